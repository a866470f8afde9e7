using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace ViTok.Models.Data;

/// <summary>Tiles images into one PNG: rows of columns, with a 2-pixel gap, for reconstruction and sample grids.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Writes <paramref name="rows"/> (each a list of [3, H, W] images in [-1, 1], all the same size) as one image,
    /// atomically (temporary file, then rename).
    /// </summary>
    public static void Save(IReadOnlyList<IReadOnlyList<Tensor>> rows, string path, int gap = 2)
    {
        if (rows.Count == 0 || rows[0].Count == 0) throw new ArgumentException("The grid is empty.");
        int h = (int)rows[0][0].shape[1], w = (int)rows[0][0].shape[2];
        int columns = rows.Max(r => r.Count);
        using var grid = new Image<Rgb24>(columns * (w + gap) + gap, rows.Count * (h + gap) + gap, new Rgb24(255, 255, 255));
        for (int r = 0; r < rows.Count; r++)
            for (int c = 0; c < rows[r].Count; c++)
            {
                var image = rows[r][c];
                if (image.shape[1] != h || image.shape[2] != w)
                    throw new ArgumentException($"Grid image ({r}, {c}) is {image.shape[2]}x{image.shape[1]}; the grid is {w}x{h}.");
                using var bytes = ((image.detach().cpu().to(ScalarType.Float32).clamp(-1, 1) + 1) * 127.5f).round().to(ScalarType.Byte).permute(1, 2, 0).contiguous();
                var data = bytes.data<byte>().ToArray();
                int x0 = gap + c * (w + gap), y0 = gap + r * (h + gap);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = 3 * (y * w + x);
                        grid[x0 + x, y0 + y] = new Rgb24(data[i], data[i + 1], data[i + 2]);
                    }
            }
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp.png";
        grid.SaveAsPng(temp);
        File.Move(temp, full, overwrite: true);
    }
}
