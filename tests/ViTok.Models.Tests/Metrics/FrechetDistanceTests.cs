using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Metrics;

[TestClass]
public sealed class FrechetDistanceTests
{
    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(5);
    }

    /// <summary>Samples [n, d] whose empirical mean and (unbiased) covariance are exactly <paramref name="mean"/> and <paramref name="covariance"/>.</summary>
    static Tensor WithMoments(int n, double[] mean, double[,] covariance)
    {
        int d = mean.Length;
        var z = randn([n, d], ScalarType.Float64);
        z -= z.mean([0]);
        var c = z.t().matmul(z) / (n - 1);
        var whitened = z.matmul(linalg.inv(FrechetDistance.SquareRoot(c)));
        var flat = new double[d * d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) flat[i * d + j] = covariance[i, j];
        var l = linalg.cholesky(tensor(flat, [d, d], ScalarType.Float64));
        return whitened.matmul(l.t()) + tensor(mean, ScalarType.Float64);
    }

    [TestMethod]
    public void A_set_against_itself_is_zero()
    {
        using var scope = NewDisposeScope();
        var features = randn(64, 16) * 10 + 3;
        double scale = FeatureStatistics.Of(features).Covariance.trace().item<double>();
        double fd = FrechetDistance.Compute(features, features.clone());
        Assert.IsLessThanOrEqualTo(1e-6 * scale, fd, $"FD {fd} against trace {scale}");
        // Fewer samples than dimensions: a singular covariance whose round-off eigenvalues go slightly negative.
        var few = randn(5, 32);
        double singular = FrechetDistance.Compute(few, few.clone());
        Assert.IsFalse(double.IsNaN(singular));
        Assert.IsLessThanOrEqualTo(1e-6 * FeatureStatistics.Of(few).Covariance.trace().item<double>(), singular);
    }

    [TestMethod]
    public void Two_gaussians_match_the_closed_form()
    {
        using var scope = NewDisposeScope();
        double[] mu1 = [0, 1], mu2 = [1, -1];
        double[,] s1 = { { 2, 0.5 }, { 0.5, 1 } }, s2 = { { 1, -0.3 }, { -0.3, 0.5 } };
        // For 2x2 matrices tr sqrt(S1 S2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2)) (the eigenvalues of S1 S2 are positive).
        double trProduct = s1[0, 0] * s2[0, 0] + s1[0, 1] * s2[1, 0] + s1[1, 0] * s2[0, 1] + s1[1, 1] * s2[1, 1];
        double det1 = s1[0, 0] * s1[1, 1] - s1[0, 1] * s1[1, 0], det2 = s2[0, 0] * s2[1, 1] - s2[0, 1] * s2[1, 0];
        double expected = Math.Pow(mu1[0] - mu2[0], 2) + Math.Pow(mu1[1] - mu2[1], 2) + s1[0, 0] + s1[1, 1] + s2[0, 0] + s2[1, 1]
            - 2 * Math.Sqrt(trProduct + 2 * Math.Sqrt(det1 * det2));
        double fd = FrechetDistance.Compute(WithMoments(500, mu1, s1), WithMoments(300, mu2, s2));
        Assert.AreEqual(expected, fd, 1e-9 * expected);
        Assert.AreEqual(fd, FrechetDistance.Compute(WithMoments(300, mu2, s2), WithMoments(500, mu1, s1)), 1e-9 * expected, "symmetric");
    }

    [TestMethod]
    public void Diagonal_gaussians_match_the_closed_form()
    {
        using var scope = NewDisposeScope();
        const int d = 8;
        var a = Enumerable.Range(1, d).Select(i => 0.5 * i).ToArray();
        var b = Enumerable.Range(1, d).Select(i => 4.0 / i).ToArray();
        var mu1 = Enumerable.Range(0, d).Select(i => 0.1 * i).ToArray();
        var mu2 = Enumerable.Range(0, d).Select(i => -0.2 * i).ToArray();
        var expected = mu1.Zip(mu2, (x, y) => (x - y) * (x - y)).Sum() + a.Zip(b, (x, y) => Math.Pow(Math.Sqrt(x) - Math.Sqrt(y), 2)).Sum();
        double fd = FrechetDistance.Compute(tensor(mu1), diag(tensor(a)), tensor(mu2), diag(tensor(b)));
        Assert.AreEqual(expected, fd, 1e-10 * expected);
    }

    [TestMethod]
    public void One_sample_has_no_covariance()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsExactly<ArgumentException>(() => FrechetDistance.Compute(randn(1, 4), randn(3, 4)));
        StringAssert.Contains(e.Message, "at least 2");
    }
}
