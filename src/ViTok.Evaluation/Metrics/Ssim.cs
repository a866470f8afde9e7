using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// Structural similarity (Wang et al. 2004) with the standard constants: an 11x11 Gaussian window with sigma 1.5,
/// K1 = 0.01, K2 = 0.03, population statistics, computed per channel over the windows that fit inside the image
/// ("valid" filtering, as the reference MATLAB code and scikit-image's gaussian_weights=True,
/// use_sample_covariance=False do), averaged over windows and channels, then per image. Computed in float64.
/// SSIM is not shift-invariant (its luminance term compares means relative to C1), and it is defined on non-negative
/// intensities: pixels are measured from the bottom of their range, so [-1, 1] pixels are scored as [0, 2], which
/// equals scikit-image on the 8-bit images they came from (tested on real photographs).
/// </summary>
public static class Ssim
{
    public const int WindowSize = 11;
    public const double Sigma = 1.5, K1 = 0.01, K2 = 0.03;

    /// <summary>
    /// SSIM of each image of a batch ([B, C, H, W], values in [<paramref name="minimum"/>, minimum + <paramref
    /// name="dataRange"/>]; the defaults are pixels in [-1, 1]). Identical images give exactly 1.
    /// </summary>
    public static double[] PerItem(Tensor reference, Tensor candidate, double dataRange = 2.0, double minimum = -1.0)
    {
        if (!reference.shape.SequenceEqual(candidate.shape))
            throw new ArgumentException($"SSIM needs equal shapes; got [{string.Join(", ", reference.shape)}] and [{string.Join(", ", candidate.shape)}].");
        if (reference.dim() != 4) throw new ArgumentException($"SSIM takes images [B, C, H, W]; got [{string.Join(", ", reference.shape)}].");
        if (reference.shape[2] < WindowSize || reference.shape[3] < WindowSize)
            throw new ArgumentException($"SSIM needs images of at least {WindowSize}x{WindowSize} pixels; got {reference.shape[3]}x{reference.shape[2]}.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var low = minimum.ToScalar();
        var x = reference.to(ScalarType.Float64).sub(low);      // intensities from 0, as SSIM is defined
        var y = candidate.to(ScalarType.Float64).sub(low);
        long channels = x.shape[1];
        var window = Window(x.device).expand(channels, 1, WindowSize, WindowSize);
        Tensor Filter(Tensor t) => nn.functional.conv2d(t, window, groups: channels);

        var muX = Filter(x);
        var muY = Filter(y);
        var sigmaXX = Filter(x * x) - muX * muX;
        var sigmaYY = Filter(y * y) - muY * muY;
        var sigmaXY = Filter(x * y) - muX * muY;
        using Scalar two = 2.ToScalar(), c1 = Math.Pow(K1 * dataRange, 2).ToScalar(), c2 = Math.Pow(K2 * dataRange, 2).ToScalar();
        var map = ((two * muX * muY).Plus(c1)) * ((two * sigmaXY).Plus(c2)) / (((muX * muX).Plus(muY * muY).Plus(c1)) * (sigmaXX.Plus(sigmaYY).Plus(c2)));
        return map.flatten(1).mean([1]).data<double>().ToArray();
    }

    /// <summary>Mean of <see cref="PerItem"/>.</summary>
    public static double Mean(Tensor reference, Tensor candidate, double dataRange = 2.0, double minimum = -1.0) => PerItem(reference, candidate, dataRange, minimum).Average();

    /// <summary>The normalised 2-d Gaussian window [1, 1, 11, 11] (float64).</summary>
    public static Tensor Window(Device? device = null)
    {
        var g = new double[WindowSize];
        for (int i = 0; i < WindowSize; i++) g[i] = Math.Exp(-Math.Pow(i - WindowSize / 2, 2) / (2 * Sigma * Sigma));
        double sum = g.Sum();
        var w = new double[WindowSize * WindowSize];
        for (int i = 0; i < WindowSize; i++)
            for (int j = 0; j < WindowSize; j++)
                w[i * WindowSize + j] = g[i] * g[j] / (sum * sum);
        return tensor(w, [1, 1, WindowSize, WindowSize], ScalarType.Float64, device);
    }
}
