using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace ViTok.MLNet.Persistence;

/// <summary>
/// The places where ML.NET (5.0 and 6.0 alike) keeps for itself what a third-party component needs: building a
/// <see cref="SchemaShape.Column"/> (its constructor is internal), writing an extra entry into the model zip from
/// <see cref="ICanSaveModel.Save"/> (<see cref="ModelSaveContext"/>'s repository is internal), and reading a
/// catalog's environment with its GpuDeviceId / FallbackToCpu (internal to the catalog).
/// Both are reached by reflection here and nowhere else; if a future ML.NET renames them, every call fails with
/// a message saying so, never silently.
/// </summary>
static class MLNetInternals
{
    static readonly ConstructorInfo? ColumnCtor = typeof(SchemaShape.Column).GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance)
        .FirstOrDefault(c => c.GetParameters().Length == 5);
    static readonly FieldInfo? RepositoryField = typeof(ModelSaveContext).GetField("Repository", BindingFlags.NonPublic | BindingFlags.Instance);
    static readonly FieldInfo? DirectoryField = typeof(ModelSaveContext).GetField("Directory", BindingFlags.NonPublic | BindingFlags.Instance);

    static Exception Changed(string what) => new NotSupportedException(
        $"ViTok.MLNet relies on ML.NET 6.0's internal {what}, which this ML.NET ({typeof(MLContext).Assembly.GetName().Version}) does not have.");

    /// <summary>The environment behind mlContext.Transforms, with the MLContext's GPU settings.</summary>
    public static CatalogHost HostOf(TransformsCatalog catalog)
    {
        var env = typeof(TransformsCatalog).GetField("_env", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(catalog) as IHostEnvironment
            ?? throw Changed("TransformsCatalog._env");
        var settings = env.GetType().GetInterfaces().FirstOrDefault(i => i.Name == "IHostEnvironmentInternal") ?? throw Changed("IHostEnvironmentInternal");
        var gpu = (int?)settings.GetProperty("GpuDeviceId")?.GetValue(env);
        var fallback = (bool?)settings.GetProperty("FallbackToCpu")?.GetValue(env) ?? throw Changed("IHostEnvironmentInternal.FallbackToCpu");
        return new CatalogHost(env, gpu, fallback);
    }

    public static SchemaShape.Column Column(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey = false)
    {
        if (ColumnCtor is null) throw Changed("SchemaShape.Column constructor");
        return (SchemaShape.Column)ColumnCtor.Invoke([name, kind, itemType, isKey, null]);
    }

    /// <summary>Writes an entry named <paramref name="name"/> beside the transformer's own model entry.</summary>
    public static void WriteEntry(ModelSaveContext ctx, string name, Action<Stream> write)
    {
        object? repository = RepositoryField?.GetValue(ctx) ?? throw Changed("ModelSaveContext.Repository");
        string directory = (string?)DirectoryField?.GetValue(ctx) ?? "";
        var create = repository.GetType().GetMethod("CreateEntry", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance, [typeof(string), typeof(string)])
            ?? throw Changed("RepositoryWriter.CreateEntry");
        using var entry = (IDisposable)create.Invoke(repository, [directory, name])!;
        var stream = (Stream)(entry.GetType().GetProperty("Stream")?.GetValue(entry) ?? throw Changed("Repository.Entry.Stream"));
        write(stream);
    }
}
