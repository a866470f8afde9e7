using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Metrics;

[TestClass]
public sealed class SsimPsnrTests
{
    const int C = 3, H = 32, W = 40;

    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    // The test images come from closed formulas, written identically in reference_values.py (beside this file).
    static double[] Pattern()
    {
        var a = new double[C * H * W];
        for (int c = 0; c < C; c++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++)
                    a[(c * H + i) * W + j] = 0.6 * Math.Sin(0.31 * i + 0.17 * j + 1.3 * c) + 0.3 * Math.Cos(0.013 * i * j + c);
        return a;
    }

    static double[] LcgNoise(long seed, double amplitude)
    {
        long s = seed;
        var a = new double[C * H * W];
        for (int k = 0; k < a.Length; k++)
        {
            s = (s * 1103515245 + 12345) % 2147483648;
            a[k] = amplitude * (s / 2147483648.0 - 0.5);
        }
        return a;
    }

    static double[] BoxBlur(double[] a)
    {
        var o = new double[a.Length];
        for (int c = 0; c < C; c++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++)
                {
                    double acc = 0;
                    for (int di = -1; di <= 1; di++)
                        for (int dj = -1; dj <= 1; dj++)
                            acc += a[(c * H + Math.Clamp(i + di, 0, H - 1)) * W + Math.Clamp(j + dj, 0, W - 1)];
                    o[(c * H + i) * W + j] = acc / 9.0;
                }
        return o;
    }

    static Tensor Image(double[] values) => tensor(values, [1, C, H, W], ScalarType.Float64);

    static (Tensor Reference, Tensor Candidate) Pair(string kind)
    {
        var reference = Pattern();
        var candidate = kind == "noisy"
            ? reference.Zip(LcgNoise(12345, 0.4), (r, n) => Math.Clamp(r + n, -1, 1)).ToArray()
            : BoxBlur(reference);
        return (Image(reference), Image(candidate));
    }

    [TestMethod]
    public void Identical_images_give_ssim_one_and_psnr_infinity()
    {
        using var scope = NewDisposeScope();
        var x = rand(3, 3, 24, 24) * 2 - 1;
        foreach (double s in Ssim.PerItem(x, x.clone())) Assert.AreEqual(1.0, s, 1e-12);
        Assert.IsTrue(Psnr.PerItem(x, x.clone()).All(double.IsPositiveInfinity));
        Assert.IsTrue(double.IsPositiveInfinity(Psnr.Mean(x, x.clone())));
    }

    /// <summary>
    /// Reference values from scikit-image 0.19.3 (Debian 12 python3-skimage) (structural_similarity with gaussian_weights=True, sigma=1.5,
    /// use_sample_covariance=False, data_range=2, on the images shifted to [0, 2]; peak_signal_noise_ratio with data_range=2) on the same images,
    /// computed by reference_values.py beside this file.
    /// </summary>
    [TestMethod]
    [DataRow("noisy", 24.827424135862664, 0.7509399288951059)]
    [DataRow("blurred", 39.17523406124979, 0.9989097515622892)]
    public void Noisy_and_blurred_pairs_match_scikit_image(string kind, double psnr, double ssim)
    {
        using var scope = NewDisposeScope();
        var (reference, candidate) = Pair(kind);
        Assert.AreEqual(psnr, Psnr.PerItem(reference, candidate)[0], 1e-9, "PSNR");
        Assert.AreEqual(ssim, Ssim.PerItem(reference, candidate)[0], 1e-6, "SSIM");
        // float32 input (as images usually are) stays within the 1e-3.
        Assert.AreEqual(ssim, Ssim.PerItem(reference.to(ScalarType.Float32), candidate.to(ScalarType.Float32))[0], 1e-3, "SSIM from float32");
    }

    [TestMethod]
    public void Ssim_is_averaged_per_image()
    {
        using var scope = NewDisposeScope();
        var (r1, c1) = Pair("noisy");
        var (r2, c2) = Pair("blurred");
        var both = Ssim.PerItem(cat([r1, r2]), cat([c1, c2]));
        Assert.AreEqual(Ssim.PerItem(r1, c1)[0], both[0], 1e-12);
        Assert.AreEqual(Ssim.PerItem(r2, c2)[0], both[1], 1e-12);
        Assert.AreEqual((both[0] + both[1]) / 2, Ssim.Mean(cat([r1, r2]), cat([c1, c2])), 1e-12);
    }

    [TestMethod]
    public void Too_small_or_mismatched_images_are_rejected()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => Ssim.PerItem(zeros(1, 3, 10, 10), zeros(1, 3, 10, 10)));
        Assert.ThrowsExactly<ArgumentException>(() => Ssim.PerItem(zeros(1, 3, 16, 16), zeros(1, 3, 16, 17)));
    }
}
