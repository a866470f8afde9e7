using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;
using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Baselines;

/// <summary>What a JPEG's size is measured on when it is held to a byte budget.</summary>
public enum JpegBudget
{
    /// <summary>The whole file, headers (quantisation and Huffman tables, about 600 bytes with ImageSharp) included.</summary>
    WholeFile,
    /// <summary>The entropy-coded scan data only, as if the headers were shared by every image: the stronger baseline.</summary>
    ScanData,
}

/// <summary>
/// JPEG at a byte budget: each image is encoded (ImageSharp, 4:2:0 chroma) at the highest quality whose size fits
/// the budget, and decoded back. A tokenizer whose latent takes as many bytes should beat it.
/// </summary>
public static class JpegBaseline
{
    /// <summary>One image through JPEG: its reconstruction [3, H, W] in [-1, 1], the quality used (0 when even quality 1 is over budget) and the bytes counted.</summary>
    public sealed record Result(Tensor Image, int Quality, int Bytes);

    /// <summary>Reconstructs <paramref name="image"/> [3, H, W] in [-1, 1] through the best JPEG of at most <paramref name="budgetBytes"/>.</summary>
    public static Result Reconstruct(Tensor image, int budgetBytes, JpegBudget budget)
    {
        ArgumentNullException.ThrowIfNull(image);
        int h = (int)image.shape[1], w = (int)image.shape[2];
        using var rgb = Image.LoadPixelData<Rgb24>(ImageFiles.ToRgb24(image), w, h);
        int low = 1, high = 100, best = 0;
        byte[]? bestBytes = null;
        while (low <= high)                                                       // size grows with quality
        {
            int q = (low + high) / 2;
            var bytes = Encode(rgb, q);
            if (Counted(bytes, budget) <= budgetBytes)
            {
                best = q;
                bestBytes = bytes;
                low = q + 1;
            }
            else high = q - 1;
        }
        bestBytes ??= Encode(rgb, 1);
        using var decoded = Image.Load<Rgb24>(bestBytes);
        var pixels = new byte[w * h * 3];
        decoded.CopyPixelDataTo(pixels);
        using var scope = NewDisposeScope();
        var t = tensor(pixels, ScalarType.Byte).reshape(h, w, 3).permute(2, 0, 1).to(ScalarType.Float32);
        using Scalar scale = 127.5.ToScalar(), one = 1.0.ToScalar();
        return new Result(t.div(scale).sub(one).MoveToOuterDisposeScope(), best, Counted(bestBytes, budget));
    }

    static byte[] Encode(Image<Rgb24> image, int quality)
    {
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality, ColorType = JpegColorType.YCbCrRatio420 });
        return stream.ToArray();
    }

    /// <summary>The bytes a JPEG counts under <paramref name="budget"/>: the file, or the scan data between the start-of-scan header and the end marker.</summary>
    public static int Counted(byte[] jpeg, JpegBudget budget)
    {
        if (budget == JpegBudget.WholeFile) return jpeg.Length;
        for (int i = 2; i + 3 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA)
            {
                int headerEnd = i + 2 + (jpeg[i + 2] << 8 | jpeg[i + 3]);
                return jpeg.Length - headerEnd - 2;                               // minus the end-of-image marker
            }
        throw new InvalidDataException("The JPEG has no start-of-scan marker.");
    }
}
