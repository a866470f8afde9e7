using ViTok.Models.Clips;

namespace ViTok.MLNet;

/// <summary>Options of <see cref="ReadImagesEstimator"/> (defaults in <see cref="ReadImagesEstimator.Defaults"/>).</summary>
public sealed class ReadImagesOptions
{
    /// <summary>The image column to add (MLImage). Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>A text column of image file paths (relative to <see cref="ImageFolder"/> when it is set), or a byte vector
    /// of encoded image files (LoadRawImageBytes). Default: <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>The folder relative paths are read from; null: paths as they are (relative to the working folder).</summary>
    public string? ImageFolder { get; set; }

    /// <summary>
    /// Side of the square images given (the shorter side resized to it, then the centre cropped, as `vitok`'s
    /// <c>folder:...?resize=N&amp;crop=N</c>): the tokenizer's image size. 0 keeps each image at its own size (for a
    /// native-resolution tokenizer). Default <see cref="ReadImagesEstimator.Defaults.ImageSize"/>.
    /// </summary>
    public int ImageSize { get; set; } = ReadImagesEstimator.Defaults.ImageSize;

    /// <summary>Images whose header declares more pixels are refused before they are decoded (decompression-bomb guard);
    /// files are refused before they are read when larger than such an image can be. Default <see cref="ReadImagesEstimator.Defaults.MaxPixels"/>.</summary>
    public long MaxPixels { get; set; } = ReadImagesEstimator.Defaults.MaxPixels;

    /// <summary>A copy, taken when the estimator is made (later changes to the caller's object change nothing).</summary>
    internal ReadImagesOptions Snapshot() => (ReadImagesOptions)MemberwiseClone();
}
