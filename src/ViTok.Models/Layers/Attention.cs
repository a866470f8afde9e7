using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Layers;

/// <summary>Multi-head self-attention: qkv projection (no bias by default, as the ViTok authors' code; DiT uses one),
/// optional RoPE on q and k, attention by <see cref="AttentionKernel"/>, output projection.</summary>
public sealed class Attention : Module<Tensor, RopeAngles?, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int _heads;

    public Attention(int width, int heads, bool qkvBias = false) : base(nameof(Attention))
    {
        _heads = heads;
        qkv = Linear(width, 3 * width, hasBias: qkvBias);
        proj = Linear(width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, RopeAngles? rope)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], l = x.shape[1], w = x.shape[2];
        var parts = Autocast.Linear(qkv, x).view(b, l, 3, _heads, w / _heads).permute(2, 0, 3, 1, 4); // [3, B, heads, L, D]
        Tensor q = parts[0], k = parts[1], v = parts[2];
        if (rope is not null)
        {
            q = RotaryEmbedding.Rotate(q, rope);
            k = RotaryEmbedding.Rotate(k, rope);
        }
        var o = AttentionKernel.Attend(q, k, v);                                // [B, heads, L, D]
        return Autocast.Linear(proj, o.transpose(1, 2).reshape(b, l, w)).MoveToOuterDisposeScope(); // [B, L, W]
    }
}
