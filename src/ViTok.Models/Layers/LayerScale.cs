using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Layers;

/// <summary>LayerScale: a learned per-channel scale of a residual branch, x * gamma.</summary>
public sealed class LayerScale : Module<Tensor, Tensor>
{
    private readonly Parameter gamma;

    public LayerScale(int dim, double init = 1e-4) : base(nameof(LayerScale))
    {
        using var s = init.ToScalar();
        gamma = Parameter(full(dim, s));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x * gamma;                      // [..., dim]
}
