using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Layers;

/// <summary>
/// Token positions and their angles, shared by rotary embeddings (<see cref="RotaryEmbedding"/>) and by the fixed
/// sine-cosine embeddings (the tokenizer's SinCos mode, DiT's pos_embed): positions are (t, h, w) per token or a flat
/// index, and each axis gets its own share of the frequency pairs.
/// </summary>
public static class PositionAngles
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
            using Scalar n = split[a].ToScalar();
            var i = HeldScalars.Range(n, dtype: ScalarType.Float64, device: positions.device);
            var freq = pow(theta, -i / n);                                      // [n_a]
            parts.Add(positions[.., a..(a + 1)].to(ScalarType.Float64) * freq.unsqueeze(0)); // [L, n_a]
        }
        return cat(parts, 1).to(ScalarType.Float32).MoveToOuterDisposeScope(); // [L, dims/2]
    }

    /// <summary>(t, h, w) coordinates of every token of a grid, t-major: [T*H*W, 3] float.</summary>
    public static Tensor GridPositions(int t, int h, int w, Device? device = null)
    {
        using var scope = NewDisposeScope();
        using Scalar st = t.ToScalar(), sh = h.ToScalar(), sw = w.ToScalar();
        var tt = HeldScalars.Range(st, dtype: ScalarType.Float32, device: device).view(t, 1, 1).expand(t, h, w);
        var hh = HeldScalars.Range(sh, dtype: ScalarType.Float32, device: device).view(1, h, 1).expand(t, h, w);
        var ww = HeldScalars.Range(sw, dtype: ScalarType.Float32, device: device).view(1, 1, w).expand(t, h, w);
        return stack([tt, hh, ww], -1).reshape(t * h * w, 3).MoveToOuterDisposeScope();
    }

    /// <summary>Flat token index of every token: [L, 1] float.</summary>
    public static Tensor FlatPositions(int count, Device? device = null)
    {
        using Scalar n = count.ToScalar();
        return HeldScalars.Range(n, dtype: ScalarType.Float32, device: device).unsqueeze(1);
    }

    /// <summary>
    /// The fixed sine-cosine embedding of a (t, h, w) token grid over <paramref name="width"/> dimensions:
    /// [T*H*W, width] = [sin(angles), cos(angles)] (DiT's 3D pos_embed; the tokenizer's SinCos mode).
    /// </summary>
    public static Tensor SineCosine(int t, int h, int w, int width, double theta, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var positions = GridPositions(t, h, w, device);
        var angles = Angles(positions, width, theta);                               // [L, width/2]
        return cat([angles.sin(), angles.cos()], 1).MoveToOuterDisposeScope();     // [L, width]
    }
}
