using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// The encoder's posterior over latents: a diagonal Gaussian with mean and log-variance, each [B, L, c]
/// (log-variance clamped to [-30, 20]). Owns its two tensors.
/// </summary>
public sealed class DiagonalGaussian : IDisposable
{
    public Tensor Mean { get; }
    public Tensor LogVar { get; }

    static readonly Scalar LogVarMin = ViTokConfig.LogVarMin.ToScalar(), LogVarMax = ViTokConfig.LogVarMax.ToScalar(),
        Half = 0.5.ToScalar(), One = 1.0.ToScalar();   // held: see HeldScalars

    public DiagonalGaussian(Tensor mean, Tensor logVar)
    {
        Mean = mean;
        LogVar = logVar;
    }

    /// <summary>Splits encoder moments [B, L, 2c] into mean and clamped log-variance.</summary>
    public static DiagonalGaussian FromMoments(Tensor moments)
    {
        var chunks = moments.chunk(2, -1);
        var logVar = chunks[1].clamp(LogVarMin, LogVarMax);
        chunks[1].Dispose();
        return new DiagonalGaussian(chunks[0], logVar);
    }

    /// <summary>z = mean + exp(logvar / 2) x noise, noise from <paramref name="generator"/> (or torch's default).</summary>
    public Tensor Sample(Generator? generator = null)
    {
        using var noise = randn(Mean.shape, dtype: Mean.dtype, device: Mean.device, generator: generator);
        return Sample(noise);
    }

    /// <summary>z = mean + exp(logvar / 2) x <paramref name="noise"/> (standard normal, the shape of <see cref="Mean"/>).</summary>
    public Tensor Sample(Tensor noise)
    {
        using var scope = NewDisposeScope();
        return Mean.Plus((Half * LogVar).exp() * noise).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// KL(q || N(0, I)) = 0.5 (mean^2 + var - 1 - logvar), averaged over every latent number (so beta does not
    /// depend on the bottleneck size). A scalar.
    /// </summary>
    public Tensor Kl()
    {
        using var scope = NewDisposeScope();
        var kl = Half * (Mean.Squared().Plus(LogVar.exp()) - One - LogVar);
        return kl.mean().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Mean.Dispose();
        LogVar.Dispose();
    }
}
