using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

/// <summary>Issue 12: truncated JPEGs, decompression bombs through ImageFiles.Load, and folder links that loop.</summary>
[TestClass]
public sealed class GuardedDecodingTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestFiles.NewFolder("guarded");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>A textured JPEG (so its entropy-coded data is long), written by ImageSharp.</summary>
    string Jpeg(string name)
    {
        using var image = new Image<Rgb24>(64, 48);
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++)
                image[x, y] = new Rgb24((byte)(x * 4), (byte)(y * 5), (byte)((x * y) % 256));
        string path = Path.Combine(_dir, name);
        image.SaveAsJpeg(path);
        return path;
    }

    [TestMethod]
    public void A_jpeg_cut_short_is_refused_and_a_complete_one_with_trailing_bytes_is_read()
    {
        byte[] full = File.ReadAllBytes(Jpeg("full.jpg"));
        Assert.IsTrue(JpegMarkers.IsComplete(full));
        Assert.IsTrue(JpegMarkers.IsComplete([.. full, 0x00, 0xFF, 0xDA, 0x12]), "bytes after the end-of-image marker are ignored");
        foreach (int length in new[] { full.Length / 2, full.Length - 2, 300, 3 })
            Assert.IsFalse(JpegMarkers.IsComplete(full.AsSpan(0, length)), $"cut at {length} of {full.Length}");

        string half = Path.Combine(_dir, "half.jpg");
        File.WriteAllBytes(half, full[..(full.Length / 2)]);
        using (var ok = ImageFolderSource.Decode(Path.Combine(_dir, "full.jpg"))) Assert.AreEqual(64, ok.Width);
        var e = Assert.ThrowsExactly<BadItemException>(() => ImageFolderSource.Decode(half));
        StringAssert.Contains(e.Message, half);
        StringAssert.Contains(e.Message, "truncated");
        var load = Assert.ThrowsExactly<InvalidDataException>(() => ImageFiles.Load(half));
        StringAssert.Contains(load.Message, half);
    }

    [TestMethod]
    public void ImageFiles_load_checks_the_pixel_count_before_decoding()
    {
        string bomb = TestFiles.PngHeaderOnly(Path.Combine(_dir, "bomb.png"), 15000, 15000);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ImageFiles.Load(bomb));
        StringAssert.Contains(e.Message, bomb);
        StringAssert.Contains(e.Message, "decompression-bomb guard");
        var small = TestFiles.PngHeaderOnly(Path.Combine(_dir, "small.png"), 100, 100);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageFiles.Load(small, maxPixels: 99)).Message, "exceeds the limit of 99");
    }

    [TestMethod]
    public void A_link_to_the_parent_folder_does_not_multiply_the_items()
    {
        string root = Path.Combine(_dir, "root");
        TestFiles.SolidImage(Path.Combine(root, "a.png"), 8, 8, new Rgb24(1, 2, 3));
        TestFiles.SolidImage(Path.Combine(root, "sub", "b.png"), 8, 8, new Rgb24(4, 5, 6));
        Directory.CreateSymbolicLink(Path.Combine(root, "sub", "up"), root);
        Directory.CreateSymbolicLink(Path.Combine(root, "again"), Path.Combine(root, "sub"));
        string outside = Path.Combine(_dir, "outside");
        TestFiles.SolidImage(Path.Combine(outside, "c.png"), 8, 8, new Rgb24(7, 8, 9));
        Directory.CreateSymbolicLink(Path.Combine(root, "linked"), outside);

        var source = new ImageFolderSource(root);
        CollectionAssert.AreEquivalent(new[] { "a.png", "b.png", "c.png" }, source.Files.Select(Path.GetFileName).ToArray());
        Assert.AreEqual(2, source.SkippedFolderLinks);      // sub/up (a cycle) and again (a duplicate of sub)
        StringAssert.Contains(source.Description, "2 folder link(s) leading back into the listed tree not followed");
    }
}
