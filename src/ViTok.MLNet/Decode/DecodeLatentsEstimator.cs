using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet.Decode;

/// <summary>
/// Estimator of <see cref="DecodeLatentsTransformer"/>; <see cref="Fit"/> checks the latent column and loads the
/// tokenizer. Create it with <c>mlContext.Transforms.DecodeLatents(...)</c>.
/// </summary>
public sealed class DecodeLatentsEstimator : IEstimator<DecodeLatentsTransformer>
{
    readonly CatalogHost _host;
    readonly DecodeLatentsOptions _options;
    TokenizerHandle? _tokenizer;

    internal DecodeLatentsEstimator(CatalogHost host, DecodeLatentsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("OutputColumnName must name the column to add.", nameof(options));
        if (options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        if ((options.TokenizerPath is null) == (options.Tokenizer is null))
            throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory).", nameof(options));
        if (options.TokenizerPath is not null && !File.Exists(options.TokenizerPath))
            throw new FileNotFoundException($"Tokenizer file '{options.TokenizerPath}' does not exist.", options.TokenizerPath);
        _host = host;
        _options = options;
    }

    TokenizerHandle Tokenizer => _tokenizer ??= TokenizerHandle.Create(_host, _options.TokenizerPath, _options.Tokenizer, _options.Device, _options.Threads, _options.Precision);

    public DecodeLatentsTransformer Fit(IDataView input)
    {
        var transformer = new DecodeLatentsTransformer(_host, _options, Tokenizer);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        string input = _options.InputColumnName ?? _options.OutputColumnName;
        var c = Tokenizer.Config;
        if (!TryFind(inputSchema, input, out var column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Latent column '{input}' was not found.");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType.RawType != typeof(float))
            throw new ArgumentException($"Column '{input}' is not a float vector; the decoder expects {c.Tokens * c.Channels} latents.");
        var columns = inputSchema.ToDictionary(x => x.Name);
        columns[_options.OutputColumnName] = _options.Output == DecodedOutput.Image
            ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(c.ImageSize, c.ImageSize))
            : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single);
        return new SchemaShape(columns.Values);
    }

    static bool TryFind(SchemaShape schema, string name, out SchemaShape.Column column)
    {
        foreach (var c in schema)
            if (c.Name == name) { column = c; return true; }
        column = default;
        return false;
    }
}
