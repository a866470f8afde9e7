using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Layers;

/// <summary>Pre-LayerNorm transformer block: x + attn(norm1(x)), then + mlp(norm2(x)).</summary>
public sealed class TransformerBlock : Module<Tensor, RopeAngles?, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly Attention attn;
    private readonly LayerNorm norm2;
    private readonly SwiGLU mlp;

    public TransformerBlock(int width, int heads, int mlpHidden) : base(nameof(TransformerBlock))
    {
        norm1 = LayerNorm(width);
        attn = new Attention(width, heads);
        norm2 = LayerNorm(width);
        mlp = new SwiGLU(width, mlpHidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, RopeAngles? rope)
    {
        using var scope = NewDisposeScope();
        x = x.Plus(attn.forward(norm1.forward(x), rope));
        x = x.Plus(mlp.forward(norm2.forward(x)));
        return x.MoveToOuterDisposeScope();
    }
}
