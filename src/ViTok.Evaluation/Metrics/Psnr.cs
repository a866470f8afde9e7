using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>Peak signal-to-noise ratio, computed per image (or clip) and then averaged.</summary>
public static class Psnr
{
    /// <summary>
    /// PSNR in dB of each item of a batch ([B, ...] tensors with values in a range of width <paramref name="dataRange"/>;
    /// 2 for pixels in [-1, 1], the model's convention). Identical items give +infinity.
    /// </summary>
    public static double[] PerItem(Tensor reference, Tensor candidate, double dataRange = 2.0)
    {
        if (!reference.shape.SequenceEqual(candidate.shape))
            throw new ArgumentException($"PSNR needs equal shapes; got [{string.Join(", ", reference.shape)}] and [{string.Join(", ", candidate.shape)}].");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var diff = reference.to(ScalarType.Float64) - candidate.to(ScalarType.Float64);
        var mse = diff.Squared().flatten(1).mean([1]);
        return mse.data<double>().ToArray().Select(m => m == 0 ? double.PositiveInfinity : 10 * Math.Log10(dataRange * dataRange / m)).ToArray();
    }

    /// <summary>Mean of <see cref="PerItem"/> (infinite when every item is identical).</summary>
    public static double Mean(Tensor reference, Tensor candidate, double dataRange = 2.0) => PerItem(reference, candidate, dataRange).Average();
}
