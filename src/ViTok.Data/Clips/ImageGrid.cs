using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace ViTok.Models.Clips;

/// <summary>Tiles images into one PNG: rows of columns, with a 2-pixel gap, for reconstruction and sample grids.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Writes <paramref name="rows"/> (each a list of [3, H, W] images in [-1, 1], all the same size) as one image,
    /// atomically (temporary file, then rename).
    /// </summary>
    public static void Save(IReadOnlyList<IReadOnlyList<Tensor>> rows, string path, int gap = 2)
    {
        using var grid = Render(rows, gap);
        Runtime.AtomicFile.Write(path, grid.SaveAsPng);
    }

    /// <summary>The grid of <paramref name="rows"/> as PNG bytes (for display, e.g. in a notebook).</summary>
    public static byte[] ToPng(IReadOnlyList<IReadOnlyList<Tensor>> rows, int gap = 2)
    {
        using var grid = Render(rows, gap);
        using var stream = new MemoryStream();
        grid.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>
    /// Rows of (original, reconstruction) pairs, <paramref name="pairsPerRow"/> pairs a row, from two [N, 3, H, W]
    /// tensors of equal shape. The rows hold views of the inputs.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<Tensor>> Pairs(Tensor originals, Tensor reconstructions, int pairsPerRow)
    {
        if (!originals.shape.SequenceEqual(reconstructions.shape))
            throw new ArgumentException($"Originals [{string.Join(", ", originals.shape)}] and reconstructions [{string.Join(", ", reconstructions.shape)}] differ in shape.");
        if (pairsPerRow < 1) throw new ArgumentOutOfRangeException(nameof(pairsPerRow), pairsPerRow, "At least one pair per row.");
        var rows = new List<IReadOnlyList<Tensor>>();
        for (long i = 0; i < originals.shape[0]; i += pairsPerRow)
        {
            var row = new List<Tensor>();
            for (long j = i; j < Math.Min(originals.shape[0], i + pairsPerRow); j++) { row.Add(originals[j]); row.Add(reconstructions[j]); }
            rows.Add(row);
        }
        return rows;
    }

    internal static Image<Rgb24> Render(IReadOnlyList<IReadOnlyList<Tensor>> rows, int gap)
    {
        if (rows.Count == 0 || rows[0].Count == 0) throw new ArgumentException("The grid is empty.");
        int h = (int)rows[0][0].shape[1], w = (int)rows[0][0].shape[2];
        int columns = rows.Max(r => r.Count);
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
                if (rows[r][c].dim() != 3 || rows[r][c].shape[1] != h || rows[r][c].shape[2] != w)
                    throw new ArgumentException($"Grid image ({r}, {c}) is [{string.Join(", ", rows[r][c].shape)}]; the grid's images are [3, {h}, {w}].");
        var grid = new Image<Rgb24>(columns * (w + gap) + gap, rows.Count * (h + gap) + gap, new Rgb24(255, 255, 255));
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
            {
                var data = ImageFiles.ToRgb24(rows[r][c]);
                int x0 = gap + c * (w + gap), y0 = gap + r * (h + gap);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = 3 * (y * w + x);
                        grid[x0 + x, y0 + y] = new Rgb24(data[i], data[i + 1], data[i + 2]);
                    }
            }
        return grid;
    }
}
