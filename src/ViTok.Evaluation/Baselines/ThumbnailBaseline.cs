using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Baselines;

/// <summary>
/// The simplest compressor at a given number of floats E: shrink each image to the largest square thumbnail of at
/// most E numbers (3·s·s ≤ E, area averaging), then enlarge it back to the original size (bilinear). A tokenizer
/// with E latent numbers per image should beat it.
/// </summary>
public static class ThumbnailBaseline
{
    /// <summary>The thumbnail side s for a budget of <paramref name="floats"/> numbers: the largest s with channels·s·s ≤ floats.</summary>
    public static int Side(long floats, int channels = 3)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be at least 1.");
        if (floats < channels)
            throw new ArgumentOutOfRangeException(nameof(floats), floats, $"A budget of {floats} floats holds not even one pixel of {channels} channels.");
        int side = (int)Math.Sqrt((double)floats / channels);
        while ((long)channels * (side + 1) * (side + 1) <= floats) side++;
        while ((long)channels * side * side > floats) side--;
        return side;
    }

    /// <summary>
    /// Reconstructions [N, C, H, W] of <paramref name="images"/> [N, C, H, W] through thumbnails of at most
    /// <paramref name="floats"/> numbers each (side <see cref="Side"/>, capped at the images' own size).
    /// </summary>
    /// <param name="bicubic">Enlarge bicubically (clamped to the images' range) instead of bilinearly.</param>
    public static Tensor Reconstruct(Tensor images, long floats, bool bicubic = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4) throw new ArgumentException($"Images must be [N, C, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        long h = images.shape[2], w = images.shape[3];
        long side = Math.Min(Side(floats, (int)images.shape[1]), Math.Min(h, w));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = images.to(ScalarType.Float32);
        var thumbnail = nn.functional.interpolate(x, [side, side], mode: InterpolationMode.Area);
        var back = nn.functional.interpolate(thumbnail, [h, w], mode: bicubic ? InterpolationMode.Bicubic : InterpolationMode.Bilinear, align_corners: false);
        if (bicubic)
        {
            using Scalar low = x.min().item<float>().ToScalar(), high = x.max().item<float>().ToScalar();
            back = back.clamp(low, high);                                         // bicubic overshoots
        }
        return back.MoveToOuterDisposeScope();
    }
}
