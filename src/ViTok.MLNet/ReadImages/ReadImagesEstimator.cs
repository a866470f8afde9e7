using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.ReadImages;
using ViTok.Models.Clips;

namespace ViTok.MLNet;

/// <summary>
/// Estimator of <see cref="ReadImagesTransformer"/>: image files (paths or encoded bytes) to an MLImage column through
/// the decoder `vitok` uses, with its guards (pixel limit before decoding, file size before reading, truncated JPEGs,
/// special files and unknown formats refused naming the file), resized and centre-cropped to the tokenizer's size in
/// the same step. Fit only checks the input schema. Create it with <c>mlContext.Transforms.ReadImages(...)</c>.
/// </summary>
public sealed class ReadImagesEstimator : IEstimator<ReadImagesTransformer>
{
    /// <summary>The defaults of <see cref="ReadImagesOptions"/> (and of the catalog method).</summary>
    public static class Defaults
    {
        /// <summary>0: each image at its own size.</summary>
        public const int ImageSize = 0;
        /// <summary>The command line's limit.</summary>
        public const long MaxPixels = ImageFolderOptions.DefaultMaxPixels;
    }

    readonly ReadImagesOptions _options;

    internal ReadImagesEstimator(ReadImagesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot();
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("ReadImagesOptions.OutputColumnName is required.", nameof(options));
        if (options.ImageSize < 0) throw new ArgumentOutOfRangeException(nameof(options), $"ReadImagesOptions.ImageSize = {options.ImageSize}; give 0 (each image at its own size) or a side in pixels.");
        if (options.MaxPixels < 1) throw new ArgumentOutOfRangeException(nameof(options), $"ReadImagesOptions.MaxPixels = {options.MaxPixels}; give at least 1.");
        if (options.ImageFolder is { } folder && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"ReadImagesOptions.ImageFolder '{folder}' does not exist.");
        _options = options;
    }

    /// <summary>Checks the input column; reads no image.</summary>
    public ReadImagesTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new ReadImagesTransformer(_options);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>Checks the input column with the transformer's own check.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ReadImagesMapping.Check(ColumnShape.Find(inputSchema, _options.InputColumnName ?? _options.OutputColumnName, "Input"));
        var type = _options.ImageSize > 0 ? new ImageDataViewType(_options.ImageSize, _options.ImageSize) : new ImageDataViewType();   // as ResizeImages states it
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Scalar, type));
    }
}
