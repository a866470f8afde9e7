using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// The token grid of one image: <see cref="Rows"/> x <see cref="Cols"/> patches, tokens in row-major order
/// (token i sits at row i / Cols, column i % Cols), as the reference's patchify lays them out.
/// </summary>
public readonly record struct PatchGrid(int Rows, int Cols)
{
    public int Count => Rows * Cols;

    /// <summary>The grid an image of <paramref name="height"/> x <paramref name="width"/> pixels gets once its sides are
    /// zero-padded to multiples of <paramref name="patch"/>.</summary>
    public static PatchGrid ForImage(int height, int width, int patch)
    {
        if (height < 1 || width < 1) throw new ArgumentException($"Image size {height}x{width} must be at least 1x1.");
        return new PatchGrid((height + patch - 1) / patch, (width + patch - 1) / patch);
    }

    /// <summary>(row, col) of every token: [Count, 2] float32, the positions 2D RoPE rotates by (rows first).</summary>
    public Tensor Positions(Device? device = null)
    {
        using var scope = NewDisposeScope();
        using Scalar rowCount = Rows.ToScalar(), colCount = Cols.ToScalar();
        var rows = HeldScalars.Range(rowCount, dtype: ScalarType.Float32, device: device).view(Rows, 1).expand(Rows, Cols);
        var cols = HeldScalars.Range(colCount, dtype: ScalarType.Float32, device: device).view(1, Cols).expand(Rows, Cols);
        return stack([rows, cols], -1).reshape(Count, 2).MoveToOuterDisposeScope();
    }

    public override string ToString() => $"{Rows}x{Cols}";
}
