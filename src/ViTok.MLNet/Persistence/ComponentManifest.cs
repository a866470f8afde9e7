using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ViTok.MLNet.Persistence;

/// <summary>
/// What a saved ViTok component needs besides its weights, stored as ViTok.json: its kind, the weight format, the
/// options it was made with, saved as they are (the estimator's snapshot, so what the caller changed afterwards is
/// not in it), and what Fit learned from the input schema. Not saved: the device (a pipeline runs on the device of
/// the MLContext that loads it, or the one given to LoadWithViTok, as ML.NET's own components do) and where the model
/// came from (its bytes are stored beside the manifest); those options carry <see cref="JsonIgnoreAttribute"/>.
/// </summary>
sealed record ComponentManifest
{
    public const string TokenizeKind = "tokenize-images", DecodeKind = "decode-latents", GenerateKind = "generate-latents", ReadImagesKind = "read-images";

    /// <summary>
    /// The manifest format this build writes and the newest it reads. 1: every zip written before the field existed;
    /// 2: the field added (2026-12-07); both are one flat record of every component's fields, read by
    /// <see cref="FlatManifest"/>. 3: the options saved as they are (2026-12-08). A zip of a newer format is refused, naming it.
    /// </summary>
    public const int CurrentFormat = 3;

    public int FormatVersion { get; init; } = CurrentFormat;
    public required string Kind { get; init; }

    /// <summary>The tokenizer's weight format (<see cref="Models.Tokenizer.TokenizerFiles"/>: "vitok" or "vitok-v2"); null for a generator.</summary>
    public string? Format { get; init; }

    /// <summary>The component's options (<see cref="TokenizeImagesOptions"/>, <see cref="DecodeLatentsOptions"/>,
    /// <see cref="GenerateLatentsOptions"/> or <see cref="ReadImagesOptions"/>) as JSON, without the options that are not saved.</summary>
    public required JsonObject Options { get; init; }

    /// <summary>A native-resolution tokenizer fitted on a column of one image size: that size (height, width); else null.</summary>
    public int[]? FixedSize { get; init; }

    /// <summary><see cref="Format"/>, with the null of older zips read as a ViTok tokenizer file.</summary>
    [JsonIgnore] public string WeightFormat => Format ?? Models.Tokenizer.TokenizerFiles.ViTokFormat;

    /// <summary><see cref="FixedSize"/> as a tuple.</summary>
    [JsonIgnore] public (int Height, int Width)? FixedImageSize => FixedSize is [int h, int w] ? (h, w) : null;

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>The manifest of a component of <paramref name="kind"/> made with <paramref name="options"/>.</summary>
    public static ComponentManifest Of(string kind, object options, string? format = null, (int Height, int Width)? fixedSize = null) => new()
    {
        Kind = kind,
        Format = format,
        Options = JsonSerializer.SerializeToNode(options, options.GetType(), Json)!.AsObject(),
        FixedSize = fixedSize is var (h, w) ? [h, w] : null,
    };

    /// <summary>The saved options.</summary>
    public T ReadOptions<T>() where T : class => Options.Deserialize<T>(Json) ?? throw new InvalidDataException($"its {Kind} options are empty.");

    /// <summary>The saved options of a model component, to run on <paramref name="device"/> with <paramref name="threads"/> (null: the saved count).</summary>
    public T ReadOptions<T>(string? device, int? threads) where T : ComponentOptions
    {
        var options = ReadOptions<T>();
        options.Device = device;
        if (threads is int t) options.Threads = t;
        return options;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a manifest of any format up to <see cref="CurrentFormat"/>; <paramref name="where"/> names it in errors.</summary>
    public static ComponentManifest FromJson(string json, string where)
    {
        JsonObject node;
        try { node = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{where} is empty."); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{where} is not a valid ViTok component manifest: {e.Message}", e);
        }
        int format;
        try { format = node[nameof(FormatVersion)]?.GetValue<int>() ?? 1; }   // zips written before the field have none
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{where} has a {nameof(FormatVersion)} that is not a whole number.", e);
        }
        if (format > CurrentFormat || format < 1)
            throw new InvalidDataException($"{where} is in ViTok component format {format}; this ViTok.MLNet " +
                $"({typeof(ComponentManifest).Assembly.GetName().Version}) reads formats 1 to {CurrentFormat}. Load it with the ViTok.MLNet version that saved it, or a newer one.");
        try
        {
            return format < 3
                ? FlatManifest.Upgrade(node)
                : node.Deserialize<ComponentManifest>(Json) ?? throw new InvalidDataException($"{where} is empty.");
        }
        catch (JsonException e) { throw new InvalidDataException($"{where} is not a valid ViTok component manifest: {e.Message}", e); }
    }
}
