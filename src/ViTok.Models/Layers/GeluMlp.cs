using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Layers;

/// <summary>The ViT/DiT feed-forward: fc2(gelu_tanh(fc1(x))), hidden 4 x width.</summary>
public sealed class GeluMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public GeluMlp(int width, int hidden) : base(nameof(GeluMlp))
    {
        fc1 = Linear(width, hidden);
        fc2 = Linear(hidden, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = Autocast.Linear(fc1, x);
        using var a = functional.gelu(h, approximate: TorchSharp.Modules.GELU.Approximate.tanh);
        return Autocast.Linear(fc2, a);
    }
}
