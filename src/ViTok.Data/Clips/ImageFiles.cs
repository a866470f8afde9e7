using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Clips;

/// <summary>Image files as tensors in the model's convention: RGB, [3, H, W], float32 in [-1, 1].</summary>
public static class ImageFiles
{
    /// <summary>Extensions treated as images (what ImageSharp decodes).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".tif", ".tiff", ".webp",
    };

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>
    /// The image files directly inside <paramref name="directory"/>, by name (ordinal order). An image whose name is not
    /// valid UTF-8 (which .NET cannot open, <see cref="UndecodableNames"/>) is an <see cref="InvalidDataException"/> naming
    /// it, unless <paramref name="undecodable"/> is given: then it is left out and its escaped path added there.
    /// </summary>
    public static IReadOnlyList<string> List(string directory, List<string>? undecodable = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Image folder '{directory}' does not exist.");
        var files = Directory.EnumerateFiles(directory).Where(IsImage).ToList();
        if (files.Any(UndecodableNames.IsUndecodable))
        {
            var names = UndecodableNames.In(directory).Where(n => !n.EndsWith('/') && IsImage(n)).ToList();
            if (undecodable is null) throw new InvalidDataException(UndecodableNames.Message(directory, names));
            undecodable.AddRange(names);
            files.RemoveAll(UndecodableNames.IsUndecodable);
        }
        return files.OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The image files directly inside <paramref name="directory"/> and inside its immediate sub-folders (e.g. one folder
    /// per class), each named by its path relative to <paramref name="directory"/> with '/' as separator ("a.png",
    /// "Coat/b.png"), ordered by that name (ordinal).
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="undecodable">As for <see cref="List"/>; a sub-folder whose name is not valid UTF-8 is treated like such a file.</param>
    public static IReadOnlyList<(string Name, string Path)> ListWithSubfolders(string directory, List<string>? undecodable = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Image folder '{directory}' does not exist.");
        var files = List(directory, undecodable).Select(p => (Name: Path.GetFileName(p), Path: p));
        foreach (string sub in Directory.EnumerateDirectories(directory))
        {
            if (UndecodableNames.IsUndecodable(sub))
            {
                var names = UndecodableNames.In(directory).Where(n => n.EndsWith('/')).ToList();
                if (undecodable is null) throw new InvalidDataException(UndecodableNames.Message(directory, names));
                undecodable.AddRange(names.Except(undecodable));
                continue;
            }
            string folder = Path.GetFileName(sub);
            files = files.Concat(List(sub, undecodable).Select(p => (Name: folder + "/" + Path.GetFileName(p), Path: p)));
        }
        return files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Decodes an image through the guarded decoder (<see cref="ImageFolderSource.Decode(string, long)"/>: the header's pixel count
    /// is checked against <paramref name="maxPixels"/> before decoding, truncated files are refused); an unreadable
    /// file raises <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static Tensor Load(string path, long maxPixels = ImageFolderOptions.DefaultMaxPixels)
    {
        Image<Rgb24> image;
        try
        {
            image = ImageFolderSource.Decode(path, maxPixels);
        }
        catch (BadItemException e)
        {
            throw new InvalidDataException($"Image {e.Message}", e);
        }
        using (image)
        {
            int w = image.Width, h = image.Height;
            var pixels = new byte[w * h * 3];
            image.CopyPixelDataTo(pixels);
            var planes = new float[3 * h * w];
            for (int i = 0; i < h * w; i++)
                for (int c = 0; c < 3; c++)
                    planes[c * h * w + i] = pixels[3 * i + c] / 127.5f - 1f;
            return tensor(planes, [3, h, w]);
        }
    }

    /// <summary>Writes a [3, H, W] tensor in [-1, 1] as an 8-bit RGB image (format from the extension), atomically (<see cref="AtomicFile"/>).</summary>
    public static void Save(Tensor image, string path)
    {
        if (image.dim() != 3 || image.shape[0] != 3) throw new ArgumentException($"Expected an image [3, H, W]; got [{string.Join(", ", image.shape)}].");
        var formats = Configuration.Default.ImageFormatsManager;
        string extension = Path.GetExtension(path).TrimStart('.');
        var encoder = formats.FindFormatByFileExtension(extension) is { } format ? formats.FindEncoder(format) : null;
        if (encoder is null) throw new ArgumentException($"'{path}': no image format has the extension '{extension}' (use .png, .jpg, .bmp, .gif, .tga, .tiff or .webp).", nameof(path));
        int h = (int)image.shape[1], w = (int)image.shape[2];
        using var rgb = Image.LoadPixelData<Rgb24>(ToRgb24(image), w, h);
        AtomicFile.Write(path, stream => rgb.Save(stream, encoder));
    }

    /// <summary>A [3, H, W] tensor in [-1, 1] as 8-bit RGB bytes, row-major (H x W x 3): clamped, scaled by 127.5, rounded.</summary>
    public static byte[] ToRgb24(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3 || image.shape[0] != 3) throw new ArgumentException($"Expected an image [3, H, W]; got [{string.Join(", ", image.shape)}].");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using Scalar low = (-1.0).ToScalar(), high = 1.0.ToScalar(), one = 1.0.ToScalar(), half = 127.5.ToScalar();
        var bytes = image.detach().cpu().to(ScalarType.Float32).clamp(low, high).Plus(one).mul(half).round()
            .to(ScalarType.Byte).permute(1, 2, 0).contiguous();
        return bytes.data<byte>().ToArray();
    }
}
