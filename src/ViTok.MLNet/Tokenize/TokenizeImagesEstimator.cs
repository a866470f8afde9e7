using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.Persistence;
using ViTok.Models.Tokenizer;
using ViTok.MLNet.V2;
using ViTok.Models.TokenizerV2;

namespace ViTok.MLNet;

/// <summary>
/// Estimator of <see cref="TokenizeImagesTransformer"/>. The tokenizer is already trained, so <see cref="Fit"/> only
/// checks the input schema (column present, right type and size) and loads the tokenizer once.
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
    TokenizerHandle? _tokenizer;

    internal TokenizeImagesEstimator(CatalogHost host, TokenizeImagesOptions options)
    {
        EstimatorChecks.Validate(options.OutputColumnName, options.BatchSize, options.TokenizerPath, options.Tokenizer, nameof(options));
        _host = host;
        _options = options;
    }

    TokenizerHandle Tokenizer => _tokenizer ??= TokenizerHandle.Create(_host, _options.TokenizerPath, _options.Tokenizer, _options.Device, _options.Threads, _options.Precision);

    V2ModelHandle? _v2;
    bool IsV2 => _options.TokenizerPath is { } path && ViTokV2Checkpoint.IsCheckpointFolder(path);
    V2ModelHandle V2Model => _v2 ??= V2ModelHandle.Create(_host, _options.TokenizerPath!, V2Half.Encoder, _options.Device, _options.Threads, _options.Precision);

    public TokenizeImagesTransformer Fit(IDataView input)
    {
        if (IsV2)
        {
            // Fixed size when the image column has a known size (ResizeImages), native size otherwise.
            string column = _options.InputColumnName ?? _options.OutputColumnName;
            var type = input.Schema.GetColumnOrNull(column)?.Type
                ?? throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{column}' was not found in the data; the tokenizer needs an image column.");
            var v2 = new TokenizeImagesTransformer(_options, V2Model, V2TokenizeMapping.FixedSizeOf(type, column));
            v2.GetOutputSchema(input.Schema);
            return v2;
        }
        var transformer = new TokenizeImagesTransformer(_options, Tokenizer);
        transformer.GetOutputSchema(input.Schema);   // schema errors before any row is read
        return transformer;
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        string input = _options.InputColumnName ?? _options.OutputColumnName;
        var column = EstimatorChecks.Find(inputSchema, input, "Input");
        if (IsV2)
        {
            if (column.ItemType is not ImageDataViewType && (column.Kind == SchemaShape.Column.VectorKind.Scalar || column.ItemType.RawType != typeof(byte)))
                throw new ArgumentException($"Column '{input}' has type {column.ItemType}; a ViTok-v2 tokenizer reads images (any size) or encoded image bytes.");
            bool fixedSize = column.ItemType is ImageDataViewType { Height: > 0, Width: > 0 };   // else native size: one length per image
            var shape = EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName,
                fixedSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single));
            foreach (var (name, type) in V2Columns.For(_options.OutputColumnName))
                shape = EstimatorChecks.With(shape, MLNetInternals.Column(name, SchemaShape.Column.VectorKind.Scalar, type));
            return shape;
        }
        var config = Tokenizer.Config;
        bool ok = column.ItemType is ImageDataViewType
            || (column.Kind == SchemaShape.Column.VectorKind.Vector && column.ItemType.RawType == typeof(float))
            || (column.Kind != SchemaShape.Column.VectorKind.Scalar && column.ItemType.RawType == typeof(byte));
        if (!ok)
            throw new ArgumentException($"Column '{input}' has type {column.ItemType}; the tokenizer expects an image ({config.ImageSize}x{config.ImageSize}), a float pixel vector or encoded image bytes.");
        if (column.ItemType is ImageDataViewType image && image.Width != 0 && (image.Width != config.ImageSize || image.Height != config.ImageSize))
            throw new ArgumentException($"Column '{input}' holds {image.Width}x{image.Height} images; the tokenizer expects {config.ImageSize}x{config.ImageSize}: resize them with ResizeImages.");
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
