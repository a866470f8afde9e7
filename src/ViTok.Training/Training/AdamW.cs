using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// AdamW (decoupled weight decay) with its state in plain named tensors, so a checkpoint holds it exactly and a
/// resumed run continues bit for bit. Weight decay applies to matrices and kernels (rank at least 2), not to
/// biases, norms or other vectors.
/// </summary>
public sealed class AdamW : IDisposable
{
    readonly (string Name, Parameter Param, Tensor M, Tensor V)[] _slots;
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double WeightDecay { get; }
    public double Eps { get; }

    /// <summary>Steps taken (for bias correction).</summary>
    public long Step { get; private set; }

    public AdamW(IEnumerable<(string Name, Parameter Param)> parameters, double beta1 = 0.9, double beta2 = 0.95, double weightDecay = 1e-4, double eps = 1e-8)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        Eps = eps;
        _slots = parameters.Where(p => p.Param.requires_grad)
            .Select(p => (p.Name, p.Param, zeros_like(p.Param).DetachFromDisposeScope(), zeros_like(p.Param).DetachFromDisposeScope()))
            .ToArray();
    }

    public void ZeroGrad()
    {
        foreach (var s in _slots) s.Param.grad?.zero_();
    }

    /// <summary>
    /// Scales gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping,
    /// a scalar on the device. Nothing is read back to the host (as torch's clip_grad_norm_): the factor is
    /// min(1, max / (norm + 1e-6)), and a non-finite norm leaves the gradients as they are.
    /// </summary>
    public Tensor ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        var grads = _slots.Where(s => s.Param.grad is not null).Select(s => s.Param.grad!).ToArray();
        if (grads.Length == 0) return zeros([], ScalarType.Float32).MoveToOuterDisposeScope();
        var norm = stack(grads.Select(g => g.to(ScalarType.Float32).Squared().sum())).sum().sqrt();
        using Scalar max = maxNorm.ToScalar(), eps = 1e-6.ToScalar(), one = 1.0.ToScalar();
        var factor = norm.Plus(eps).reciprocal().mul(max).clamp_max(one);
        factor = where(norm.isfinite(), factor, ones_like(factor));
        foreach (var g in grads) g.mul_(factor.to(g.dtype));
        return norm.MoveToOuterDisposeScope();
    }

    public void StepWith(double lr)
    {
        Step++;
        double bc1 = 1 - Math.Pow(Beta1, Step), bc2 = 1 - Math.Pow(Beta2, Step);
        using var _ = no_grad();
        // Scalars are created once and held until the end of the step: an implicit double-to-Scalar temporary can be
        // finalised by the GC while the native call still uses it (seen as "Unknown scalar type" under load).
        using Scalar beta1 = Beta1.ToScalar(), keep1 = (1 - Beta1).ToScalar(), beta2 = Beta2.ToScalar(), keep2 = (1 - Beta2).ToScalar(),
            decay = (1 - lr * WeightDecay).ToScalar(), unbias2 = (1 / bc2).ToScalar(), eps = Eps.ToScalar(), stepSize = (-lr / bc1).ToScalar();
        foreach (var (_, p, m, v) in _slots)
        {
            if (p.grad is null) continue;
            using var scope = NewDisposeScope();
            var g = p.grad;
            m.mul_(beta1).add_(g, alpha: keep1);
            v.mul_(beta2).addcmul_(g, g, value: keep2);
            if (WeightDecay > 0 && p.dim() >= 2) p.mul_(decay);
            var denom = v.mul(unbias2).sqrt_().PlusInPlace(eps);
            p.addcdiv_(m, denom, value: stepSize);
        }
    }

    /// <summary>The state as named tensors (m and v per parameter) for a checkpoint.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> State(string prefix)
    {
        foreach (var (name, _, m, v) in _slots)
        {
            yield return ($"{prefix}.m.{name}", m);
            yield return ($"{prefix}.v.{name}", v);
        }
    }

    /// <summary>Restores the state written by <see cref="State"/>.</summary>
    public void Load(Func<string, Tensor> read, string prefix, long step)
    {
        using var _ = no_grad();
        foreach (var (name, _, m, v) in _slots)
        {
            using (var t = read($"{prefix}.m.{name}")) m.copy_(t);
            using (var t = read($"{prefix}.v.{name}")) v.copy_(t);
        }
        Step = step;
    }

    public void Dispose()
    {
        foreach (var (_, _, m, v) in _slots)
        {
            m.Dispose();
            v.Dispose();
        }
    }
}
