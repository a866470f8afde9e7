using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.Models.Tokenizer;
using ViTok.MLNet.V2;
using ViTok.Models.TokenizerV2;

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

    bool IsV2 => _options.TokenizerPath is { } path && ViTokV2Checkpoint.IsCheckpointFolder(path);
    string Input => _options.InputColumnName ?? _options.OutputColumnName;

    /// <summary>Loads the tokenizer (each transformer owns its own copy of the weights) and checks the input schema before any row is read.</summary>
    public TokenizeImagesTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (IsV2)
        {
            // Fixed size when the image column has a known size (ResizeImages), native size otherwise.
            var fixedSize = V2TokenizeMapping.Check(ColumnShape.Find(input.Schema, Input, "Input"), null);
            var v2 = V2ModelHandle.Create(_host, _options.TokenizerPath!, V2Half.Encoder, _options.Device, _options.Threads, _options.Precision);
            return ViTokTransformer.Fitted(v2, () => new TokenizeImagesTransformer(_options, v2, fixedSize), input.Schema);
        }
        var tokenizer = TokenizerHandle.Create(_host, _options.TokenizerPath, _options.Tokenizer, _options.Device, _options.Threads, _options.Precision);
        return ViTokTransformer.Fitted(tokenizer, () => new TokenizeImagesTransformer(_options, tokenizer), input.Schema);
    }

    /// <summary>Checks the input column with the transformer's own check; reads only the tokenizer file's header, never its weights.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = ColumnShape.Find(inputSchema, Input, "Input");
        if (IsV2)
        {
            V2ModelHandle.ReadConfig(_options.TokenizerPath!, V2Half.Encoder);
            bool fixedSize = V2TokenizeMapping.Check(column, null) is not null;   // else native size: one length per image
            var shape = EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName,
                fixedSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single));
            foreach (var (name, type) in V2Columns.For(_options.OutputColumnName))
                shape = EstimatorChecks.With(shape, MLNetInternals.Column(name, SchemaShape.Column.VectorKind.Scalar, type));
            return shape;
        }
        var config = TokenizerHandle.ReadConfig(_options.TokenizerPath, _options.Tokenizer);
        PixelInput.Check(column, config.Frames, config.ImageSize);
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
