using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Layers;

/// <summary>Cosines and sines of the rotation angles for every token, each [L, headDim/2], and the same rotations as
/// complex numbers cos + i sin ([L, headDim/2], complex64).</summary>
public sealed record RopeAngles(Tensor Cos, Tensor Sin, Tensor Rotation);

/// <summary>
/// Rotary position embedding (RoPE), on the angles of <see cref="PositionAngles"/>. The head dimension is taken as headDim/2 pairs; each pair rotates by
/// position x frequency. Axial 3D RoPE gives each of the t, h, w axes its own share of the pairs (as even as
/// possible, h and w first), 1D RoPE gives all pairs to the flattened token index. Because q·k after rotation
/// depends only on position differences, shifting every position by the same offset leaves attention unchanged.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>Cosines and sines of <see cref="PositionAngles.Angles"/> for positions [L, A] over <paramref name="headDim"/> dimensions.</summary>
    public static RopeAngles Create(Tensor positions, int headDim, double theta)
    {
        using var angles = PositionAngles.Angles(positions, headDim, theta);
        var cos = angles.cos();
        var sin = angles.sin();
        return new RopeAngles(cos, sin, complex(cos, sin));
    }

    /// <summary>
    /// Rotates x [B, heads, L, D] pairwise by the angles ([L, D/2] each). In fp32 and fp64 each pair is one complex
    /// number and the rotation one complex product, (x0 + i x1)(cos + i sin) = (x0 cos - x1 sin) + i (x0 sin + x1 cos):
    /// the same products and sums as the real form in one pass instead of eight, about 10x faster on CPU
    /// (docs/benchmarks.md#where-an-encoder-spends-its-time). bfloat16 has no complex type and takes the real form.
    /// </summary>
    public static Tensor Rotate(Tensor x, RopeAngles rope)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var pairs = x.reshape([.. shape[..^1], shape[^1] / 2, 2]);              // [B, H, L, D/2, 2]
        if (x.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            // view_as_complex needs unit stride within a pair and even strides and offset elsewhere.
            bool viewable = pairs.stride(-1) == 1 && pairs.storage_offset() % 2 == 0 && pairs.stride()[..^1].All(s => s % 2 == 0);
            var z = view_as_complex(viewable ? pairs : pairs.contiguous());     // [B, H, L, D/2] complex
            var rotation = x.dtype == ScalarType.Float32 ? rope.Rotation : rope.Rotation.to(ScalarType.ComplexFloat64);
            return view_as_real(z * rotation).reshape(shape).MoveToOuterDisposeScope(); // [B, H, L, D]
        }
        var x0 = pairs.select(-1, 0);
        var x1 = pairs.select(-1, 1);
        var cos = rope.Cos.to(x.dtype);
        var sin = rope.Sin.to(x.dtype);
        var r0 = x0 * cos - x1 * sin;
        var r1 = (x0 * sin).Plus(x1 * cos);
        return stack([r0, r1], -1).reshape(shape).MoveToOuterDisposeScope();   // [B, H, L, D]
    }
}
