using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Layers;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// ViTok-v2 self-attention: fused qkv projection (no bias), RMSNorm of q and k over the head dimension (QK-norm),
/// 2D RoPE on q and k, scaled dot-product attention over all tokens (one image per sequence, no mask), output
/// projection (no bias).
/// </summary>
public sealed class QkNormAttention : Module<Tensor, RopeAngles, Tensor>
{
    private readonly RmsNorm norm_q;
    private readonly RmsNorm norm_k;
    private readonly Linear qkv_proj;
    private readonly Linear out_proj;
    private readonly int _heads;

    public QkNormAttention(int width, int heads) : base(nameof(QkNormAttention))
    {
        _heads = heads;
        int headDim = width / heads;
        norm_q = new RmsNorm(headDim);
        norm_k = new RmsNorm(headDim);
        qkv_proj = Linear(width, 3 * width, hasBias: false);
        out_proj = Linear(width, width, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, RopeAngles rope)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], w = x.shape[2];
        var qkv = Autocast.Linear(qkv_proj, x).view(b, n, 3, _heads, w / _heads); // [B, N, 3, heads, D]
        var q = norm_q.forward(qkv.select(2, 0)).transpose(1, 2);                 // [B, heads, N, D]
        var k = norm_k.forward(qkv.select(2, 1)).transpose(1, 2);
        var v = qkv.select(2, 2).transpose(1, 2);
        q = RotaryEmbedding.Rotate(q, rope);
        k = RotaryEmbedding.Rotate(k, rope);
        var o = AttentionKernel.Attend(q, k, v);                                    // [B, heads, N, D]
        return Autocast.Linear(out_proj, o.transpose(1, 2).reshape(b, n, w)).MoveToOuterDisposeScope(); // [B, N, W]
    }
}
