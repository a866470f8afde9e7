using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Layers;

/// <summary>
/// RMSNorm over the last dimension with a learned scale: x / sqrt(mean(x²) + eps) * weight, computed in fp32 and
/// returned in the input's dtype (as ViTok-v2's RMSNorm, which upcasts before normalising).
/// </summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(int dim, double eps = 1e-6) : base(nameof(RmsNorm))
    {
        _eps = eps;
        weight = Parameter(ones(dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var eps = _eps.ToScalar();
        var x32 = x.to(ScalarType.Float32);
        var meanSquare = x32.Squared().mean([-1L], keepdim: true);               // [..., 1]
        var y = x32 * meanSquare.Plus(eps).rsqrt() * weight.to(ScalarType.Float32);
        return y.to(x.dtype).MoveToOuterDisposeScope();
    }
}
