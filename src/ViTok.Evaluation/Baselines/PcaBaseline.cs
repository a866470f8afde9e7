using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Baselines;

/// <summary>
/// Principal component analysis as a linear compressor: fitted on a set of items, it keeps k numbers per item (the
/// coordinates on the first k principal directions), the linear baseline for a tokenizer with E = k latent numbers.
/// Computed in float64 from the thin SVD of the centred data. Owns its mean and components.
/// </summary>
public sealed class PcaBaseline : IDisposable
{
    readonly Tensor _mean;        // [D] float64
    readonly Tensor _components;  // [k, D] float64, orthonormal rows
    readonly double _low, _high;  // the fitted data's value range

    /// <summary>Numbers kept per item (k).</summary>
    public int Components { get; }

    /// <summary>Numbers per item in the input (D).</summary>
    public long Dimension { get; }

    /// <summary>Share of the fitted data's variance the k components explain.</summary>
    public double ExplainedVariance { get; }

    PcaBaseline(Tensor mean, Tensor components, double explained, double low, double high)
    {
        _low = low;
        _high = high;
        _mean = mean;
        _components = components;
        Components = (int)components.shape[0];
        Dimension = components.shape[1];
        ExplainedVariance = explained;
    }

    /// <summary>Fits k = <paramref name="components"/> directions to <paramref name="items"/> [N, ...] (each item flattened).</summary>
    public static PcaBaseline Fit(Tensor items, int components)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.dim() < 2) throw new ArgumentException($"Items must be [N, ...]; got [{string.Join(", ", items.shape)}].", nameof(items));
        long n = items.shape[0];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = items.detach().to(ScalarType.Float64).cpu().flatten(1);
        long d = x.shape[1];
        if (components < 1 || components > Math.Min(n, d))
            throw new ArgumentOutOfRangeException(nameof(components), components,
                $"PCA keeps between 1 and min(items, dimension) = min({n}, {d}) components.");
        var mean = x.mean([0]);
        var centred = x - mean;
        var (_, s, vh) = linalg.svd(centred, fullMatrices: false);
        var variance = s.Squared();
        double explained = (variance[..components].sum() / variance.sum()).item<double>();
        return new PcaBaseline(mean.MoveToOuterDisposeScope(), vh[..components].contiguous().MoveToOuterDisposeScope(), explained,
            x.min().item<double>(), x.max().item<double>());
    }

    /// <summary>The k coordinates [N, k] (float64) of <paramref name="items"/> [N, ...].</summary>
    public Tensor Encode(Tensor items)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Flatten(items);
        return (x - _mean).matmul(_components.t()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Reconstructions of <paramref name="items"/> from their k coordinates, in the items' shape and dtype, clamped to
    /// the value range of the fitted data (pixels stay valid pixels).
    /// </summary>
    public Tensor Reconstruct(Tensor items)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var codes = Encode(items);
        using Scalar low = _low.ToScalar(), high = _high.ToScalar();
        var back = codes.matmul(_components).Plus(_mean).clamp(low, high);
        return back.reshape(items.shape).to(items.dtype).to(items.device).MoveToOuterDisposeScope();
    }

    Tensor Flatten(Tensor items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var x = items.detach().to(ScalarType.Float64).cpu().flatten(1);
        if (x.shape[1] != Dimension)
            throw new ArgumentException($"Items have {x.shape[1]} numbers each; this PCA was fitted on {Dimension}.", nameof(items));
        return x;
    }

    public void Dispose()
    {
        _mean.Dispose();
        _components.Dispose();
    }
}
