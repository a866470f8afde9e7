using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Layers;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// ViTok-v2's SwiGLU: one bias-free fc1 to 2 x hidden whose first half is the value and second half the gate,
/// then fc2(silu(gate) * value). (Layers.SwiGLU keeps two separate biased projections, so it cannot load these.)
/// </summary>
public sealed class FusedSwiGLU : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public FusedSwiGLU(int width, int hidden) : base(nameof(FusedSwiGLU))
    {
        fc1 = Linear(width, 2 * hidden, hasBias: false);
        fc2 = Linear(hidden, width, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = Autocast.Linear(fc1, x);                                          // [..., 2 * hidden]
        var halves = h.chunk(2, -1);
        var gated = functional.silu(halves[1]) * halves[0];                      // [..., hidden]
        return Autocast.Linear(fc2, gated).MoveToOuterDisposeScope();             // [..., width]
    }
}
