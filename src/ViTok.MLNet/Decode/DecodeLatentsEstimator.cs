using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Decode;
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

    internal DecodeLatentsEstimator(CatalogHost host, DecodeLatentsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot<DecodeLatentsOptions>();   // later changes to the caller's object change nothing here
        EstimatorChecks.Validate(options.OutputColumnName, options.BatchSize, options.TokenizerPath, options.Tokenizer, nameof(options));
        _host = host;
        _options = options;
    }

    bool IsV2 => _options.TokenizerPath is { } path && ViTokV2Checkpoint.IsCheckpointFolder(path);
    string Input => _options.InputColumnName ?? _options.OutputColumnName;

    /// <summary>Loads the decoder (each transformer owns its own copy of the weights) and checks the input schema before any row is read.</summary>
    public DecodeLatentsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (IsV2)
        {
            var v2 = V2ModelHandle.Create(_host, _options.TokenizerPath!, V2Half.Decoder, _options.Device, _options.Threads, _options.Precision);
            return ViTokTransformer.Fitted(v2, () => new DecodeLatentsTransformer(_options, v2), input.Schema);
        }
        var tokenizer = TokenizerHandle.Create(_host, _options.TokenizerPath, _options.Tokenizer, _options.Device, _options.Threads, _options.Precision);
        return ViTokTransformer.Fitted(tokenizer, () => new DecodeLatentsTransformer(_options, tokenizer), input.Schema);
    }

    /// <summary>Checks the latent column with the transformer's own check; reads only the tokenizer file's header, never its weights.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var latent = ColumnShape.Find(inputSchema, Input, "Latent");
        if (IsV2)
        {
            var config = V2ModelHandle.ReadConfig(_options.TokenizerPath!, V2Half.Decoder);
            V2DecodeMapping.Check(latent, V2Columns.For(Input).Select(c => ColumnShape.Find(inputSchema, c.Name, V2DecodeMapping.GridColumnsHint(Input))), config);
            return EstimatorChecks.With(inputSchema, _options.Output == DecodedOutput.Image
                ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType())
                : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Single));
        }
        var c = TokenizerHandle.ReadConfig(_options.TokenizerPath, _options.Tokenizer);
        DecodeMapping.Check(latent, c, _options);
        return EstimatorChecks.With(inputSchema, _options.Output == DecodedOutput.Image
            ? MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(c.ImageSize, c.ImageSize))
            : MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
