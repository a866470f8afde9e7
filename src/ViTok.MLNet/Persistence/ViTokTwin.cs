using Microsoft.ML;
using Microsoft.ML.Transforms;

namespace ViTok.MLNet.Persistence;

/// <summary>
/// ML.NET writes a transformer into a model zip only through its own internal save context, which a third-party
/// transformer cannot use. Each ViTok transformer therefore saves a CustomMapping "twin" under this contract
/// name, plus its manifest and weights as extra entries beside it. <see cref="ViTokModelLoader"/> swaps the
/// twins back for real transformers. A plain mlContext.Model.Load fails here, naming the call to use.
/// </summary>
static class ViTokTwin
{
    public const string ContractName = "ViTok.MLNet.Component.v1";

    static readonly AsyncLocal<bool> Loading = new();

    /// <summary>Runs <paramref name="load"/> with twins allowed to load (as placeholders to be replaced).</summary>
    public static T WhileLoading<T>(Func<T> load)
    {
        bool previous = Loading.Value;
        Loading.Value = true;
        try { return load(); }
        finally { Loading.Value = previous; }
    }

    public static bool IsLoading => Loading.Value;

    public static ITransformer Create()
    {
        var ml = new MLContext();
        var empty = ml.Data.LoadFromEnumerable(Array.Empty<TwinInput>());
        return ml.Transforms.CustomMapping<TwinInput, TwinOutput>(TwinFactory.Placeholder, ContractName).Fit(empty);
    }

    /// <summary>The namespace that holds LoadWithViTok, taken from the code so the message cannot go stale.</summary>
    public static readonly string PlainLoadMessage =
        "This model contains ViTok.MLNet components (tokenizer, decoder or generator) whose weights are stored beside ML.NET's own entries. " +
        $"Load it with mlContext.LoadWithViTok(path, out var inputSchema) (using {typeof(ViTokModelLoader).Namespace};) instead of mlContext.Model.Load.";
}

/// <summary>The twin's (unused) input row.</summary>
public sealed class TwinInput
{
    public float ViTokTwin { get; set; }
}

/// <summary>The twin's (unused) output row.</summary>
public sealed class TwinOutput
{
    public float ViTokTwinOutput { get; set; }
}

/// <summary>Found by ML.NET through its contract name when a model holding a twin is loaded.</summary>
[CustomMappingFactoryAttribute(ViTokTwin.ContractName)]
public sealed class TwinFactory : CustomMappingFactory<TwinInput, TwinOutput>
{
    internal static void Placeholder(TwinInput input, TwinOutput output) =>
        throw new InvalidOperationException(ViTokTwin.PlainLoadMessage);

    public override Action<TwinInput, TwinOutput> GetMapping()
    {
        if (!ViTokTwin.IsLoading) throw new InvalidOperationException(ViTokTwin.PlainLoadMessage);
        return Placeholder;
    }
}
