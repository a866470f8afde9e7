using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static ViTok.Models.Runtime.HeldScalars;

namespace ViTok.Models.Metrics;

/// <summary>Mean and covariance of a feature set, in float64.</summary>
public sealed class FeatureStatistics : IDisposable
{
    /// <summary>[D] mean.</summary>
    public Tensor Mean { get; }

    /// <summary>[D, D] covariance (unbiased, divided by N - 1, as numpy.cov and the FID reference code).</summary>
    public Tensor Covariance { get; }

    public long Count { get; }

    public FeatureStatistics(Tensor mean, Tensor covariance, long count)
    {
        Mean = mean;
        Covariance = covariance;
        Count = count;
    }

    /// <summary>Statistics of features [N, D] (N at least 2).</summary>
    public static FeatureStatistics Of(Tensor features)
    {
        if (features.dim() != 2) throw new ArgumentException($"Features must be [N, D]; got [{string.Join(", ", features.shape)}].");
        long n = features.shape[0];
        if (n < 2) throw new ArgumentException($"A covariance needs at least 2 feature vectors; got {n}.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var f = features.detach().to(ScalarType.Float64);
        var mean = f.mean([0]);
        var centered = f - mean;
        using Scalar degrees = (n - 1).ToScalar();
        var covariance = centered.t().matmul(centered) / degrees;
        return new FeatureStatistics(mean.MoveToOuterDisposeScope(), covariance.MoveToOuterDisposeScope(), n);
    }

    public void Dispose()
    {
        Mean.Dispose();
        Covariance.Dispose();
    }
}

/// <summary>
/// Frechet distance between two Gaussians fitted to feature sets: |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)).
/// Everything is float64; the trace of the matrix square root is taken as the sum of square roots of the
/// eigenvalues of S1^(1/2) S2 S1^(1/2) (symmetric, with the same eigenvalues as S1 S2), both square roots by
/// symmetric eigendecomposition with tiny negative eigenvalues (round-off) clamped to 0. With the shipped ResNet18's
/// features this is "FD-ResNet18"; with an Inception-v3's 2048-d pool3 features it is the standard FID.
/// </summary>
public static class FrechetDistance
{
    /// <summary>The distance between feature sets [N, D] and [M, D].</summary>
    public static double Compute(Tensor a, Tensor b)
    {
        using var sa = FeatureStatistics.Of(a);
        using var sb = FeatureStatistics.Of(b);
        return Compute(sa, sb);
    }

    public static double Compute(FeatureStatistics a, FeatureStatistics b) => Compute(a.Mean, a.Covariance, b.Mean, b.Covariance);

    /// <summary>The distance between N(mu1, sigma1) and N(mu2, sigma2); never negative (round-off below 0 gives 0).</summary>
    public static double Compute(Tensor mu1, Tensor sigma1, Tensor mu2, Tensor sigma2)
    {
        if (!mu1.shape.SequenceEqual(mu2.shape) || !sigma1.shape.SequenceEqual(sigma2.shape) || sigma1.dim() != 2 || sigma1.shape[0] != mu1.shape[0])
            throw new ArgumentException($"Feature statistics disagree: means [{string.Join(", ", mu1.shape)}] and [{string.Join(", ", mu2.shape)}], covariances [{string.Join(", ", sigma1.shape)}] and [{string.Join(", ", sigma2.shape)}].");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var m1 = mu1.to(ScalarType.Float64);
        var m2 = mu2.to(ScalarType.Float64);
        var s1 = Symmetric(sigma1.to(ScalarType.Float64));
        var s2 = Symmetric(sigma2.to(ScalarType.Float64));
        double meanTerm = (m1 - m2).pow(Two).sum().item<double>();
        var root1 = SquareRoot(s1);
        var inner = Symmetric(root1.matmul(s2).matmul(root1));
        var (eigenvalues, _) = linalg.eigh(inner);
        double traceRoot = eigenvalues.clamp_min(Zero).sqrt().sum().item<double>();
        double distance = meanTerm + s1.trace().item<double>() + s2.trace().item<double>() - 2 * traceRoot;
        return Math.Max(0, distance);
    }

    static Tensor Symmetric(Tensor m) => m.Plus(m.t()) / Two;

    /// <summary>Square root of a symmetric positive semi-definite matrix (negative round-off eigenvalues clamped to 0).</summary>
    public static Tensor SquareRoot(Tensor symmetric)
    {
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(symmetric);
        var root = vectors.matmul(diag(values.clamp_min(Zero).sqrt())).matmul(vectors.t());
        return root.MoveToOuterDisposeScope();
    }
}
