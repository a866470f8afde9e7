using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Layers;

/// <summary>Cosines and sines of the rotation angles for every token: each [L, headDim/2].</summary>
public sealed record RopeAngles(Tensor Cos, Tensor Sin);

/// <summary>
/// Rotary position embedding (RoPE). The head dimension is taken as headDim/2 pairs; each pair rotates by
/// position x frequency. Axial 3D RoPE gives each of the t, h, w axes its own share of the pairs (as even as
/// possible, h and w first), 1D RoPE gives all pairs to the flattened token index. Because q·k after rotation
/// depends only on position differences, shifting every position by the same offset leaves attention unchanged.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>How many of <paramref name="pairs"/> frequency pairs each axis gets; the last axes get the remainder.</summary>
    public static int[] SplitPairs(int pairs, int axes)
    {
        var split = new int[axes];
        for (int a = 0; a < axes; a++) split[a] = pairs / axes + (a >= axes - pairs % axes ? 1 : 0);
        return split;
    }

    /// <summary>
    /// Angles for positions [L, A] (A = 3 for (t, h, w), 1 for a flat index) split over <paramref name="dims"/>
    /// (even) dimensions: returns [L, dims/2] = position_a x theta^(-i / n_a) for the pairs of axis a.
    /// </summary>
    public static Tensor Angles(Tensor positions, int dims, double theta)
    {
        int axes = (int)positions.shape[1];
        int[] split = SplitPairs(dims / 2, axes);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (int a = 0; a < axes; a++)
        {
            if (split[a] == 0) continue;
            var i = arange(split[a], dtype: ScalarType.Float64, device: positions.device);
            var freq = pow(theta, -i / split[a]);                               // [n_a]
            parts.Add(positions[.., a..(a + 1)].to(ScalarType.Float64) * freq.unsqueeze(0)); // [L, n_a]
        }
        return cat(parts, 1).to(ScalarType.Float32).MoveToOuterDisposeScope(); // [L, dims/2]
    }

    public static RopeAngles Create(Tensor positions, int headDim, double theta)
    {
        using var angles = Angles(positions, headDim, theta);
        return new RopeAngles(angles.cos(), angles.sin());
    }

    /// <summary>Rotates x [B, heads, L, D] pairwise by the angles ([L, D/2] each).</summary>
    public static Tensor Rotate(Tensor x, RopeAngles rope)
    {
        using var scope = NewDisposeScope();
        var shape = x.shape;
        var pairs = x.reshape([.. shape[..^1], shape[^1] / 2, 2]);              // [B, H, L, D/2, 2]
        var x0 = pairs.select(-1, 0);
        var x1 = pairs.select(-1, 1);
        var cos = rope.Cos.to(x.dtype);
        var sin = rope.Sin.to(x.dtype);
        var r0 = x0 * cos - x1 * sin;
        var r1 = x0 * sin + x1 * cos;
        return stack([r0, r1], -1).reshape(shape).MoveToOuterDisposeScope();   // [B, H, L, D]
    }

    /// <summary>(t, h, w) coordinates of every token of a grid, t-major: [T*H*W, 3] float.</summary>
    public static Tensor GridPositions(int t, int h, int w, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var tt = arange(t, dtype: ScalarType.Float32, device: device).view(t, 1, 1).expand(t, h, w);
        var hh = arange(h, dtype: ScalarType.Float32, device: device).view(1, h, 1).expand(t, h, w);
        var ww = arange(w, dtype: ScalarType.Float32, device: device).view(1, 1, w).expand(t, h, w);
        return stack([tt, hh, ww], -1).reshape(t * h * w, 3).MoveToOuterDisposeScope();
    }

    /// <summary>Flat token index of every token: [L, 1] float.</summary>
    public static Tensor FlatPositions(int count, Device? device = null) =>
        arange(count, dtype: ScalarType.Float32, device: device).unsqueeze(1);
}
