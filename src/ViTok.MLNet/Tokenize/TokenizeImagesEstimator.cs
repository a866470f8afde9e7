using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.Models.Tokenizer;
using ViTok.MLNet.NativeSize;

namespace ViTok.MLNet;

/// <summary>
/// Estimator of <see cref="TokenizeImagesTransformer"/>. The tokenizer is already trained, so <see cref="Fit"/> only
/// checks the input schema (column present, right type and size) and loads the tokenizer for the transformer.
/// Create it with <c>mlContext.Transforms.TokenizeImages(...)</c>.
/// </summary>
public sealed class TokenizeImagesEstimator : IEstimator<TokenizeImagesTransformer>
{
    /// <summary>The defaults of <see cref="TokenizeImagesOptions"/> (and of the catalog method); the batch size, device and
    /// threads are <see cref="ComponentOptions.Defaults"/>.</summary>
    public static class Defaults
    {
        public const LatentKind Latent = LatentKind.Mean;
        public const InferencePrecision Precision = InferencePrecision.Float32;
        public const LatentLayout Layout = LatentLayout.Tokens;
        /// <summary>Pixel vector value x scale + offset in [-1, 1]: fits ExtractPixels' 0..255 output.</summary>
        public const float PixelScale = 1f / 127.5f;
        /// <inheritdoc cref="PixelScale"/>
        public const float PixelOffset = -1f;
    }

    readonly CatalogHost _host;
    readonly TokenizeImagesOptions _options;

    internal TokenizeImagesEstimator(CatalogHost host, TokenizeImagesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot<TokenizeImagesOptions>();   // later changes to the caller's object change nothing here
        EstimatorChecks.Validate(options.OutputColumnName, options.BatchSize, options.TokenizerPath, options.Tokenizer, nameof(options));
        _host = host;
        _options = options;
    }

    string Input => _options.InputColumnName ?? _options.OutputColumnName;

    /// <summary>Loads the tokenizer (each transformer owns its own copy of the weights) and checks the input schema before any row is read.</summary>
    public TokenizeImagesTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = ModelHandles.Shape(_host, _options.TokenizerPath, _options.Tokenizer, TokenizerHalf.Encoder);
        // A native-resolution tokenizer runs at a fixed size when the column states one (ResizeImages, ExtractPixels), else at each image's own.
        var fixedSize = shape.NativeResolution ? NativeSizeTokenizeMapping.Check(ColumnShape.Find(input.Schema, Input, "Input"), null).Size : null;
        var tokenizer = ModelHandles.Tokenizer(_host, _options.TokenizerPath, _options.Tokenizer, TokenizerHalf.Encoder, _options.Device, _options.Threads, _options.Precision);
        return ViTokTransformer.Fitted(tokenizer, () => new TokenizeImagesTransformer(_options, tokenizer, fixedSize), input.Schema);
    }

    /// <summary>Checks the input column with the transformer's own check; reads only the tokenizer file's header, never its weights.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = ColumnShape.Find(inputSchema, Input, "Input");
        var shape = ModelHandles.Shape(_host, _options.TokenizerPath, _options.Tokenizer, TokenizerHalf.Encoder);
        if (shape.NativeResolution)
        {
            bool fixedSize = NativeSizeTokenizeMapping.IsFixedSize(NativeSizeTokenizeMapping.Check(column, null));   // else native size: one length per image
            var result = EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName,
                fixedSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single));
            foreach (var (name, type) in GridColumns.For(_options.OutputColumnName))
                result = EstimatorChecks.With(result, MLNetInternals.Column(name, SchemaShape.Column.VectorKind.Scalar, type));
            return result;
        }
        PixelInput.Check(column, shape.Frames, shape.ImageSize);
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
