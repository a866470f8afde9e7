using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Layers;

/// <summary>The rotation of every token's pairs as complex numbers cos + i sin of the angles: [L, headDim/2], complex64.</summary>
public sealed record RopeAngles(Tensor Rotation);

/// <summary>
/// Rotary position embedding (RoPE), on the angles of <see cref="PositionAngles"/>. The head dimension is taken as headDim/2 pairs; each pair rotates by
/// position x frequency. Axial 3D RoPE gives each of the t, h, w axes its own share of the pairs (as even as
/// possible, h and w first), 1D RoPE gives all pairs to the flattened token index. Because q·k after rotation
/// depends only on position differences, shifting every position by the same offset leaves attention unchanged.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>The rotations by <see cref="PositionAngles.Angles"/> for positions [L, A] over <paramref name="headDim"/> dimensions.</summary>
    public static RopeAngles Create(Tensor positions, int headDim, double theta)
    {
        using var angles = PositionAngles.Angles(positions, headDim, theta);
        using var cos = angles.cos();
        using var sin = angles.sin();
        return new RopeAngles(complex(cos, sin));
    }

    /// <summary>
    /// Rotates x [B, heads, L, D] pairwise by the angles ([L, D/2] each). In fp32 and fp64 each pair is one complex
    /// number and the rotation one complex product, (x0 + i x1)(cos + i sin) = (x0 cos - x1 sin) + i (x0 sin + x1 cos):
    /// the same products and sums as the real form in one pass instead of eight, about 10x faster on CPU
    /// (docs/benchmarks.md#where-an-encoder-spends-its-time). bfloat16 and float16 have no complex type here: they are
    /// rotated in fp32 and rounded once at the end (three passes, and closer to the exact rotation than rounding each
    /// of the real form's products and sums to 8 bits).
    /// </summary>
    public static Tensor Rotate(Tensor x, RopeAngles rope)
    {
        using var scope = NewDisposeScope();
        if (x.dtype is ScalarType.BFloat16 or ScalarType.Float16)
            return Rotate(x.to(ScalarType.Float32), rope).to(x.dtype).MoveToOuterDisposeScope();
        if (x.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"RoPE rotates floating-point tensors; got {x.dtype}.", nameof(x));
        var shape = x.shape;
        var pairs = x.reshape([.. shape[..^1], shape[^1] / 2, 2]);              // [B, H, L, D/2, 2]
        // view_as_complex needs unit stride within a pair and even strides and offset elsewhere.
        bool viewable = pairs.stride(-1) == 1 && pairs.storage_offset() % 2 == 0 && pairs.stride()[..^1].All(s => s % 2 == 0);
        var z = view_as_complex(viewable ? pairs : pairs.contiguous());         // [B, H, L, D/2] complex
        var rotation = x.dtype == ScalarType.Float32 ? rope.Rotation : rope.Rotation.to(ScalarType.ComplexFloat64);
        return view_as_real(z * rotation).reshape(shape).MoveToOuterDisposeScope(); // [B, H, L, D]
    }
}
