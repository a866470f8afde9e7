using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Decode;
using ViTok.MLNet.Persistence;
using ViTok.Models.Tokenizer;
using ViTok.MLNet.NativeSize;

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

    internal DecodeLatentsEstimator(CatalogHost host, DecodeLatentsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot<DecodeLatentsOptions>();   // later changes to the caller's object change nothing here
        EstimatorChecks.Validate(options.OutputColumnName, options.BatchSize, options.TokenizerPath, options.Tokenizer, nameof(options));
        _host = host;
        _options = options;
    }

    string Input => _options.InputColumnName ?? _options.OutputColumnName;

    /// <summary>Loads the decoder (each transformer owns its own copy of the weights) and checks the input schema before any row is read.</summary>
    public DecodeLatentsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var tokenizer = ModelHandles.Tokenizer(_host, _options.TokenizerPath, _options.Tokenizer, TokenizerHalf.Decoder, _options.Device, _options.Threads, _options.Precision);
        return ViTokTransformer.Fitted(tokenizer, () => new DecodeLatentsTransformer(_options, tokenizer), input.Schema);
    }

    /// <summary>Checks the latent column with the transformer's own check; reads only the tokenizer file's header, never its weights.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var latent = ColumnShape.Find(inputSchema, Input, "Latent");
        var shape = ModelHandles.Shape(_host, _options.TokenizerPath, _options.Tokenizer, TokenizerHalf.Decoder);
        if (shape.NativeResolution)
        {
            NativeSizeDecodeMapping.Check(latent, GridColumns.For(Input).Select(c => ColumnShape.Find(inputSchema, c.Name, NativeSizeDecodeMapping.GridColumnsHint(Input))), shape);
            return EstimatorChecks.With(inputSchema, _options.Output == DecodedOutput.Image
                ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType())
                : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single));
        }
        DecodeMapping.Check(latent, shape, _options);
        return EstimatorChecks.With(inputSchema, _options.Output == DecodedOutput.Image
            ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(shape.ImageSize, shape.ImageSize))
            : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
