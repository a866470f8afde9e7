using ViTok.Models.Metrics;
using ViTok.Models.Tokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Baselines;

/// <summary>One method's scores on every held-out image: PSNR and SSIM per image, and what its code holds.</summary>
public sealed record MethodScores(string Name, string Size, double[] Psnr, double[] Ssim);

/// <summary>
/// A tokenizer against the cheap compressors at its size, on the same held-out images: a bicubic thumbnail with at
/// most as many values as the latent, PCA with as many components fitted on training crops, and JPEG within the
/// latent's bytes at <c>bytesPerValue</c> (2: 16-bit values), counted as whole files and as scan data only. Scores are
/// per image (PSNR on [-1, 1] pixels with data range 2, SSIM as scikit-image), so margins can be paired per image.
/// </summary>
public static class BaselineComparison
{
    public static IReadOnlyList<MethodScores> Run(ViTokAutoEncoder tokenizer, Tensor heldOut, Tensor fit, int bytesPerValue = 2)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(fit);
        if (heldOut.dim() != 4 || heldOut.shape[1] != 3) throw new ArgumentException($"Held-out images must be [N, 3, H, W]; got [{string.Join(", ", heldOut.shape)}].", nameof(heldOut));
        long e = tokenizer.Config.BottleneckSize;
        var methods = new List<MethodScores>();
        using var scope = NewDisposeScope();
        using var _ = no_grad();

        using Scalar low = (-1.0).ToScalar(), high = 1.0.ToScalar();
        var byTokenizer = FrameByFrame.Reconstruct(tokenizer, heldOut.unsqueeze(2)).select(2, 0).clamp(low, high);   // as 8-bit pixels would be
        methods.Add(Scores($"ViTok {tokenizer.Config.Variant} c={tokenizer.Config.Channels}", $"{e} values", heldOut, byTokenizer));

        int side = ThumbnailBaseline.Side(e);
        methods.Add(Scores($"thumbnail {side}x{side}, bicubic", $"{3 * side * side} values", heldOut, ThumbnailBaseline.Reconstruct(heldOut, e, bicubic: true)));

        using (var pca = PcaBaseline.Fit(fit, (int)e))
            methods.Add(Scores($"PCA ({fit.shape[0]} training crops, {pca.ExplainedVariance:P1} of their variance)", $"{e} values", heldOut, pca.Reconstruct(heldOut)));

        int budget = checked((int)e * bytesPerValue);
        foreach (var kind in new[] { JpegBudget.WholeFile, JpegBudget.ScanData })
        {
            var results = Enumerable.Range(0, (int)heldOut.shape[0]).Select(i => JpegBaseline.Reconstruct(heldOut[i], budget, kind)).ToList();
            var images = stack(results.Select(r => r.Image).ToArray());
            int overBudget = results.Count(r => r.Quality == 0);
            string qualities = $"quality {results.Min(r => r.Quality)}-{results.Max(r => r.Quality)}" + (overBudget > 0 ? $", {overBudget} over budget at quality 1" : "");
            methods.Add(Scores($"JPEG, {(kind == JpegBudget.WholeFile ? "whole file" : "scan data only")} <= {budget} bytes ({qualities})",
                $"{results.Average(r => r.Bytes):F0} bytes", heldOut, images));
        }
        return methods;
    }

    static MethodScores Scores(string name, string size, Tensor reference, Tensor candidate) =>
        new(name, size, Psnr.PerItem(reference, candidate), Ssim.PerItem(reference, candidate));
}
