using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.Generate;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet;

/// <summary>
/// Estimator of <see cref="GenerateLatentsTransformer"/>. The generator is already trained, so <see cref="Fit"/> only
/// checks the label (and seed) column and loads the generator once. Create it with
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
    GeneratorHandle? _generator;

    internal GenerateLatentsEstimator(CatalogHost host, GenerateLatentsOptions options)
    {
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

    GeneratorHandle Generator => _generator ??= GeneratorHandle.Create(_host, _options.GeneratorPath!, _options.Device, _options.Threads);

    public GenerateLatentsTransformer Fit(IDataView input)
    {
        var transformer = new GenerateLatentsTransformer(_options, Generator);
        transformer.GetOutputSchema(input.Schema);   // schema errors before any row is read
        return transformer;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var label = EstimatorChecks.Find(inputSchema, _options.LabelColumnName, "Label");
        bool labelOk = label.Kind == SchemaShape.Column.VectorKind.Scalar
            && (label.IsKey && label.ItemType.RawType == typeof(uint)
                || label.ItemType is TextDataViewType
                || label.ItemType.RawType == typeof(int) || label.ItemType.RawType == typeof(long));
        if (!labelOk)
            throw new ArgumentException($"Column '{_options.LabelColumnName}' has type {label.ItemType}{(label.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " (vector)")}; " +
                "the generator expects a class label: a key (U4), text (a class name) or an int/long class index (0-based).");
        if (_options.SeedColumnName is { } seedName)
        {
            var seed = EstimatorChecks.Find(inputSchema, seedName, "Seed");
            if (seed.Kind != SchemaShape.Column.VectorKind.Scalar || seed.IsKey || (seed.ItemType.RawType != typeof(long) && seed.ItemType.RawType != typeof(int)))
                throw new ArgumentException($"Column '{seedName}' has type {seed.ItemType}; the seed column must be a long (Int64) or an int (Int32).");
        }
        _ = Generator;   // a missing or damaged generator file fails here, before any row
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
