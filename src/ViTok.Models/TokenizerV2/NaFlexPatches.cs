using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// Native-resolution ("NaFlex") patching as the reference's preprocessing does it: an image [3, H, W] is zero-padded
/// on the bottom and right to multiples of the patch, cut into p x p patches flattened channel-major, then row, then
/// column within the patch (F.unfold order), tokens row-major over the grid. Images over the token budget are first
/// shrunk keeping their aspect ratio (<see cref="FitToTokenBudget"/>).
/// </summary>
public static class NaFlexPatches
{
    /// <summary>Patches of one image [3, H, W]: [rows * cols, 3 p²] and the grid.</summary>
    public static (Tensor Patches, PatchGrid Grid) Patchify(Tensor image, int patch)
    {
        if (image.dim() != 3 || image.shape[0] != 3)
            throw new ArgumentException($"An image must be [3, H, W]; got [{string.Join(", ", image.shape)}].");
        int h = (int)image.shape[1], w = (int)image.shape[2];
        var grid = PatchGrid.ForImage(h, w, patch);
        using var scope = NewDisposeScope();
        int padH = grid.Rows * patch - h, padW = grid.Cols * patch - w;
        var padded = padH > 0 || padW > 0 ? nn.functional.pad(image, [0, padW, 0, padH]) : image; // zeros
        var patches = padded.reshape(3, grid.Rows, patch, grid.Cols, patch)
            .permute(1, 3, 0, 2, 4)                                               // [rows, cols, 3, p, p]
            .reshape(grid.Count, 3 * patch * patch);
        return (patches.contiguous().MoveToOuterDisposeScope(), grid);
    }

    /// <summary>The inverse: patches [rows * cols, 3 p²] back to an image, cropped to <paramref name="height"/> x <paramref name="width"/>.</summary>
    public static Tensor Unpatchify(Tensor patches, PatchGrid grid, int patch, int height, int width)
    {
        if (patches.dim() != 2 || patches.shape[0] != grid.Count || patches.shape[1] != 3L * patch * patch)
            throw new ArgumentException($"Patches must be [{grid.Count}, {3 * patch * patch}] for a {grid} grid of {patch}-pixel patches; got [{string.Join(", ", patches.shape)}].");
        if (height < 1 || width < 1 || height > grid.Rows * patch || width > grid.Cols * patch || PatchGrid.ForImage(height, width, patch) != grid)
            throw new ArgumentException($"Image size {height}x{width} does not belong to a {grid} grid of {patch}-pixel patches.");
        using var scope = NewDisposeScope();
        var image = patches.reshape(grid.Rows, grid.Cols, 3, patch, patch)
            .permute(2, 0, 3, 1, 4)                                               // [3, rows, p, cols, p]
            .reshape(3, grid.Rows * patch, grid.Cols * patch);
        return image[.., ..height, ..width].contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The largest size not above (<paramref name="height"/>, <paramref name="width"/>) within <paramref name="maxTokens"/>
    /// tokens, as the reference computes it: unchanged when ceil(H/p) ceil(W/p) fits, else both grid sides scaled by
    /// sqrt(budget / tokens) and floored (at least 1), and the size is that many patches (never above the original).
    /// </summary>
    public static (int Height, int Width) FitToTokenBudget(int height, int width, int patch, int maxTokens)
    {
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "The token budget must be at least 1.");
        var grid = PatchGrid.ForImage(height, width, patch);
        if ((long)grid.Rows * grid.Cols <= maxTokens) return (height, width);
        double scale = Math.Sqrt((double)maxTokens / ((double)grid.Rows * grid.Cols));
        int rows = Math.Max(1, (int)(grid.Rows * scale)), cols = Math.Max(1, (int)(grid.Cols * scale));
        return (Math.Min(rows * patch, height), Math.Min(cols * patch, width));
    }

    /// <summary>
    /// <paramref name="image"/> [3, H, W] shrunk to fit <paramref name="maxTokens"/> (bilinear with antialiasing, the
    /// reference's resize), or returned unchanged (as a new handle) when it already fits.
    /// </summary>
    public static Tensor ResizeToTokenBudget(Tensor image, int patch, int maxTokens)
    {
        int h = (int)image.shape[1], w = (int)image.shape[2];
        var (th, tw) = FitToTokenBudget(h, w, patch, maxTokens);
        if (th == h && tw == w) return image.alias();
        using var scope = NewDisposeScope();
        var resized = nn.functional.interpolate(image.unsqueeze(0), [th, tw], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        return resized.squeeze(0).MoveToOuterDisposeScope();
    }
}
