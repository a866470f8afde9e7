using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet;

/// <summary>
/// Estimator of <see cref="DecodeLatentsTransformer"/>; <see cref="Fit"/> checks the latent column and loads the
/// tokenizer. Create it with <c>mlContext.Transforms.DecodeLatents(...)</c>.
/// </summary>
public sealed class DecodeLatentsEstimator : IEstimator<DecodeLatentsTransformer>
{
    /// <summary>The defaults of <see cref="DecodeLatentsOptions"/>; the batch size, device and threads are <see cref="ComponentOptions.Defaults"/>.</summary>
    public static class Defaults
    {
        public const DecodedOutput Output = DecodedOutput.Image;
        public const InferencePrecision Precision = InferencePrecision.Float32;
        /// <summary>The inverse of tokenization's pixel mapping (<see cref="TokenizeImagesEstimator.Defaults.PixelScale"/>).</summary>
        public const float PixelScale = TokenizeImagesEstimator.Defaults.PixelScale;
        /// <inheritdoc cref="PixelScale"/>
        public const float PixelOffset = TokenizeImagesEstimator.Defaults.PixelOffset;
    }

    readonly CatalogHost _host;
    readonly DecodeLatentsOptions _options;
    TokenizerHandle? _tokenizer;

    internal DecodeLatentsEstimator(CatalogHost host, DecodeLatentsOptions options)
    {
        EstimatorChecks.Validate(options.OutputColumnName, options.BatchSize, options.TokenizerPath, options.Tokenizer, nameof(options));
        _host = host;
        _options = options;
    }

    TokenizerHandle Tokenizer => _tokenizer ??= TokenizerHandle.Create(_host, _options.TokenizerPath, _options.Tokenizer, _options.Device, _options.Threads, _options.Precision);

    public DecodeLatentsTransformer Fit(IDataView input)
    {
        var transformer = new DecodeLatentsTransformer(_options, Tokenizer);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        string input = _options.InputColumnName ?? _options.OutputColumnName;
        var c = Tokenizer.Config;
        var column = EstimatorChecks.Find(inputSchema, input, "Latent");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType.RawType != typeof(float))
            throw new ArgumentException($"Column '{input}' is not a float vector; the decoder expects {c.Tokens * c.Channels} latents.");
        return EstimatorChecks.With(inputSchema, _options.Output == DecodedOutput.Image
            ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(c.ImageSize, c.ImageSize))
            : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
