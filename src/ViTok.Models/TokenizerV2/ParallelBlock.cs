using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// ViTok-v2 transformer block: attention and SwiGLU run in parallel on one RMSNorm of the input, their sum is
/// scaled per channel (LayerScale) and added back: x + gamma * (attn(norm1(x)) + ffn(norm1(x))).
/// </summary>
public sealed class ParallelBlock : Module<Tensor, RopeAngles, Tensor>
{
    private readonly RmsNorm norm1;
    private readonly QkNormAttention attn;
    private readonly FusedSwiGLU ffn;
    private readonly LayerScale layer_scale;

    public ParallelBlock(int width, int heads, int mlpHidden) : base(nameof(ParallelBlock))
    {
        norm1 = new RmsNorm(width);
        attn = new QkNormAttention(width, heads);
        ffn = new FusedSwiGLU(width, mlpHidden);
        layer_scale = new LayerScale(width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, RopeAngles rope)
    {
        using var scope = NewDisposeScope();
        var h = norm1.forward(x);                                                 // [B, N, W]
        var combined = layer_scale.forward(attn.forward(h, rope).Plus(ffn.forward(h)));
        return x.Plus(combined).MoveToOuterDisposeScope();
    }
}
