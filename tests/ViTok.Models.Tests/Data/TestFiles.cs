using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ViTok.Models.Tests.Data;

/// <summary>Tiny data files that the data tests write for themselves in a temporary folder.</summary>
static class TestFiles
{
    /// <summary>A new empty temporary folder; delete it in the test's cleanup.</summary>
    public static string NewFolder(string prefix) => Directory.CreateTempSubdirectory("vitok-data-" + prefix + "-").FullName;

    /// <summary>Writes a solid-colour image in the format given by the extension of <paramref name="path"/>.</summary>
    public static string SolidImage(string path, int width, int height, Rgb24 colour)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(width, height, colour);
        image.Save(path);
        return path;
    }

    /// <summary>An image whose left half is <paramref name="left"/> and right half <paramref name="right"/>.</summary>
    public static string HalvesImage(string path, int width, int height, Rgb24 left, Rgb24 right)
    {
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = x < width / 2 ? left : right;
        image.Save(path);
        return path;
    }

    /// <summary>
    /// A PNG that is only a header announcing <paramref name="width"/> x <paramref name="height"/> (RGB, 8 bit),
    /// with no pixel data: decoding it would fail, so only a header check can reject it for its size.
    /// </summary>
    public static string PngHeaderOnly(string path, int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;
        using var s = File.Create(path);
        s.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(s, "IHDR", ihdr);
        WriteChunk(s, "IEND", []);
        return path;
    }

    static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        s.Write(word);
    }

    static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>
    /// Writes an IDX file (big-endian magic 0x0000_08_NN, dimension sizes, then the bytes), gzipped when the
    /// path ends in .gz.
    /// </summary>
    public static string Idx(string path, int[] dims, byte[] data, int? magicOverride = null)
    {
        using var file = File.Create(path);
        using Stream s = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magicOverride ?? (0x0800 | dims.Length));
        s.Write(word);
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            s.Write(word);
        }
        s.Write(data);
        return path;
    }

    /// <summary>
    /// Writes a Fashion-MNIST-shaped pair of files for <paramref name="split"/> ("train" or "t10k"): image i is
    /// a 20x20 centred square of value 25 * (i + 1) on black, and its label is labels[i].
    /// </summary>
    public static void FashionMnist(string dir, string split, int[] labels, bool gzip)
    {
        string ext = gzip ? ".gz" : "";
        var images = new byte[labels.Length * 28 * 28];
        for (int i = 0; i < labels.Length; i++)
            for (int y = 4; y < 24; y++)
                for (int x = 4; x < 24; x++)
                    images[i * 784 + y * 28 + x] = (byte)(25 * (i + 1));
        Idx(Path.Combine(dir, $"{split}-images-idx3-ubyte{ext}"), [labels.Length, 28, 28], images);
        Idx(Path.Combine(dir, $"{split}-labels-idx1-ubyte{ext}"), [labels.Length], labels.Select(l => (byte)l).ToArray());
    }

    /// <summary>The value a [-1, 1] pixel has for the byte <paramref name="b"/>.</summary>
    public static float Unit(int b) => b / 127.5f - 1f;
}
