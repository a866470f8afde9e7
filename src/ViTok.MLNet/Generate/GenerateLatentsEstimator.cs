using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Generate;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet;

/// <summary>
/// Estimator of <see cref="GenerateLatentsTransformer"/>. The generator is already trained, so <see cref="Fit"/> only
/// checks the label (and seed) column and loads the generator. Create it with
/// <c>mlContext.Transforms.GenerateLatents(...)</c>.
/// </summary>
public sealed class GenerateLatentsEstimator : IEstimator<GenerateLatentsTransformer>
{
    /// <summary>The defaults of <see cref="GenerateLatentsOptions"/> not taken from <see cref="Models.Generation.SamplingOptions.Defaults"/>
    /// or <see cref="ComponentOptions.Defaults"/>.</summary>
    public static class Defaults
    {
        public const string LabelColumnName = "Label";
    }

    readonly CatalogHost _host;
    readonly GenerateLatentsOptions _options;

    internal GenerateLatentsEstimator(CatalogHost host, GenerateLatentsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot<GenerateLatentsOptions>();   // later changes to the caller's object change nothing here
        Validate(options, nameof(options));
        _host = host;
        _options = options;
    }

    internal static void Validate(GenerateLatentsOptions options, string optionsName)
    {
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("OutputColumnName must name the latent column to add.", optionsName);
        if (string.IsNullOrWhiteSpace(options.LabelColumnName))
            throw new ArgumentException("LabelColumnName must name the class label column.", optionsName);
        if (options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(optionsName, options.BatchSize, "BatchSize must be at least 1.");
        if (options.GeneratorPath is null)
            throw new ArgumentException("GeneratorPath must name a generator file.", optionsName);
        if (!File.Exists(options.GeneratorPath))
            throw new FileNotFoundException($"Generator file '{options.GeneratorPath}' does not exist.", options.GeneratorPath);
    }

    /// <summary>Loads the generator (a transformer owns its own copy of the weights) and checks the input schema before any row is read.</summary>
    public GenerateLatentsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var generator = ModelHandles.Generator(_host, _options.GeneratorPath!, _options.Device, _options.Threads);
        return ViTokTransformer.Fitted(generator, () => new GenerateLatentsTransformer(_options, generator), input.Schema);
    }

    /// <summary>Checks the label (and seed) column with the transformer's own checks; reads only the generator file's header
    /// (a missing or damaged file fails here, before any row), never its weights.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ClassLabels.CheckGenerationLabel(ColumnShape.Find(inputSchema, _options.LabelColumnName, "Label"));
        if (_options.SeedColumnName is { } seedName) ClassLabels.CheckSeed(ColumnShape.Find(inputSchema, seedName, "Seed"));
        Models.Generation.GeneratorFile.ReadHeader(_options.GeneratorPath!);
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
