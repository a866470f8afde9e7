using TorchSharp;
using ViTok.Models.Onnx;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// Metrics for clips [B, 3, T, H, W] (RGB in [-1, 1]). PSNR and SSIM are computed per frame and averaged over the
/// frames of each clip. "FVD-proxy" is NOT the Frechet Video Distance (which uses an I3D video network we do not
/// have): it is the Frechet distance between clip descriptors built from an image network's per-frame features f_t,
/// namely [mean over t of f_t ; mean over t of |f_(t+1) - f_t|] (appearance, and how much it changes from frame to
/// frame). It is comparable only with itself, for the same image network and clip length.
/// </summary>
public static class VideoMetrics
{
    /// <summary>PSNR of each clip: per-frame PSNR averaged over frames (infinite frames make the clip infinite).</summary>
    public static double[] PsnrPerClip(Tensor reference, Tensor candidate, double dataRange = 2.0) =>
        PerClip(reference, candidate, (r, c) => Psnr.PerItem(r, c, dataRange));

    /// <summary>SSIM of each clip: per-frame SSIM averaged over frames (pixels in [-1, 1], see <see cref="Ssim"/>).</summary>
    public static double[] SsimPerClip(Tensor reference, Tensor candidate) =>
        PerClip(reference, candidate, (r, c) => Ssim.PerItem(r, c));

    static double[] PerClip(Tensor reference, Tensor candidate, Func<Tensor, Tensor, double[]> metric)
    {
        if (!reference.shape.SequenceEqual(candidate.shape))
            throw new ArgumentException($"Clips must have equal shapes; got [{string.Join(", ", reference.shape)}] and [{string.Join(", ", candidate.shape)}].");
        using var scope = NewDisposeScope();
        var r = Frames(reference);
        var c = Frames(candidate);
        long clips = reference.shape[0], frames = reference.shape[2];
        double[] perFrame = metric(r, c);
        return Enumerable.Range(0, (int)clips).Select(b => perFrame.Skip(b * (int)frames).Take((int)frames).Average()).ToArray();
    }

    /// <summary>[B, 3, T, H, W] to [B*T, 3, H, W], clip-major.</summary>
    public static Tensor Frames(Tensor clips)
    {
        if (clips.dim() != 5) throw new ArgumentException($"Clips must be [B, 3, T, H, W]; got [{string.Join(", ", clips.shape)}].");
        return clips.permute(0, 2, 1, 3, 4).reshape(-1, clips.shape[1], clips.shape[3], clips.shape[4]);
    }

    /// <summary>Clip descriptors [B, 2D] for the FVD-proxy: mean per-frame features and mean absolute temporal difference.</summary>
    public static Tensor ClipFeatures(FeatureNetwork network, Tensor clips)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long b = clips.shape[0], t = clips.shape[2];
        return Descriptors(network.Features(Frames(clips)).reshape(b, t, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Clip descriptors [B, 2D] (float64) from per-frame features [B, T, D]: their mean over t and mean absolute change from frame to frame.</summary>
    public static Tensor Descriptors(Tensor perFrame)
    {
        if (perFrame.dim() != 3) throw new ArgumentException($"Per-frame features must be [B, T, D]; got [{string.Join(", ", perFrame.shape)}].", nameof(perFrame));
        using var scope = NewDisposeScope();
        var f = perFrame.to(ScalarType.Float64);
        var mean = f.mean([1]);
        var motion = f.shape[1] > 1 ? (f[.., 1..] - f[.., ..^1]).abs().mean([1]) : zeros_like(mean);
        return cat([mean, motion], 1).MoveToOuterDisposeScope();
    }

    /// <summary>The FVD-proxy between two sets of clips (at least 2 clips each).</summary>
    public static double FvdProxy(FeatureNetwork network, Tensor referenceClips, Tensor candidateClips)
    {
        using var a = ClipFeatures(network, referenceClips);
        using var b = ClipFeatures(network, candidateClips);
        return FrechetDistance.Compute(a, b);
    }
}
