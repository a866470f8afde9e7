using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Layers;

/// <summary>
/// softmax(q kᵀ / √D) v with the kernel that is faster on CPU (docs/benchmarks.md#attention-kernel-per-dtype):
/// libtorch's fused scaled_dot_product_attention, except in bfloat16 when gradients are recorded (training), where
/// the fused kernel's forward and backward measured 1.35-6.3x slower than plain matrix products. Both give the same
/// attention; in the plain form the softmax is taken in fp32, as the fused kernel and torch.autocast do.
/// </summary>
public static class AttentionKernel
{
    /// <summary>Attention over [B, heads, L, D] queries, keys and values; returns [B, heads, L, D].</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v) =>
        q.dtype == ScalarType.BFloat16 && q.requires_grad && q.device.type == DeviceType.CPU
            ? Plain(q, k, v)
            : nn.functional.scaled_dot_product_attention(q, k, v);

    /// <summary>The plain form: two matrix products in the inputs' dtype and an fp32 softmax between them.</summary>
    public static Tensor Plain(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        using Scalar scale = (1.0 / Math.Sqrt(q.shape[^1])).ToScalar();
        var scores = q.mul(scale).matmul(k.transpose(-2, -1));                 // [B, heads, L, L]
        var weights = scores.softmax(-1, ScalarType.Float32).to(q.dtype);
        return weights.matmul(v).MoveToOuterDisposeScope();                     // [B, heads, L, D]
    }
}
