using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.V2;
using ViTok.Models.TokenizerV2;

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

    V2ModelHandle? _v2;
    bool IsV2 => _options.TokenizerPath is { } path && ViTokV2Checkpoint.IsCheckpointFolder(path);
    V2ModelHandle V2Model => _v2 ??= V2ModelHandle.Create(_host, _options.TokenizerPath!, V2Half.Decoder, _options.Device, _options.Threads, _options.Precision);

    public DecodeLatentsTransformer Fit(IDataView input)
    {
        var transformer = IsV2 ? new DecodeLatentsTransformer(_options, V2Model) : new DecodeLatentsTransformer(_options, Tokenizer);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        string input = _options.InputColumnName ?? _options.OutputColumnName;
        if (IsV2)
        {
            var latent = EstimatorChecks.Find(inputSchema, input, "Latent");
            if (latent.Kind == SchemaShape.Column.VectorKind.Scalar || latent.ItemType.RawType != typeof(float))
                throw new ArgumentException($"Column '{input}' is not a float vector; the ViTok-v2 decoder expects latents (tokens x {V2Model.Config.Channels}).");
            foreach (var (name, _) in V2Columns.For(input)) EstimatorChecks.Find(inputSchema, name, "Latent grid/size");
            return EstimatorChecks.With(inputSchema, _options.Output == DecodedOutput.Image
                ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType())
                : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single));
        }
        var c = Tokenizer.Config;
        var column = EstimatorChecks.Find(inputSchema, input, "Latent");
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.ItemType.RawType != typeof(float))
            throw new ArgumentException($"Column '{input}' is not a float vector; the decoder expects {c.Tokens * c.Channels} latents.");
        return EstimatorChecks.With(inputSchema, _options.Output == DecodedOutput.Image
            ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(c.ImageSize, c.ImageSize))
            : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
