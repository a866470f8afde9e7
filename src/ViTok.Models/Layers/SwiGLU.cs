using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Layers;

/// <summary>SwiGLU feed-forward: fc2(silu(fc1_g(x)) * fc1_x(x)), hidden about 2.67 x width.</summary>
public sealed class SwiGLU : Module<Tensor, Tensor>
{
    private readonly Linear fc1_g;
    private readonly Linear fc1_x;
    private readonly Linear fc2;

    public SwiGLU(int width, int hidden) : base(nameof(SwiGLU))
    {
        fc1_g = Linear(width, hidden);
        fc1_x = Linear(width, hidden);
        fc2 = Linear(hidden, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var gate = functional.silu(Autocast.Linear(fc1_g, x));
        using var value = Autocast.Linear(fc1_x, x);
        using var hidden = gate * value;
        return Autocast.Linear(fc2, hidden);
    }
}
