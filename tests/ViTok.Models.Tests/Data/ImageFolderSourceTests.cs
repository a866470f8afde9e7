using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ImageFolderSourceTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestFiles.NewFolder("folder");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    string P(string relative) => Path.Combine(_dir, relative);

    [TestMethod]
    public void Reads_every_format_recursively_in_sorted_order()
    {
        var red = new Rgb24(200, 30, 30);
        TestFiles.SolidImage(P("b.png"), 8, 6, red);
        TestFiles.SolidImage(P("a/c.jpg"), 8, 6, red);
        TestFiles.SolidImage(P("a/B.bmp"), 8, 6, red);
        TestFiles.SolidImage(P("z/deep/y.gif"), 8, 6, red);
        TestFiles.SolidImage(P("d.webp"), 8, 6, red);
        File.WriteAllText(P("notes.txt"), "not an image");

        var source = new ImageFolderSource(_dir);

        CollectionAssert.AreEqual(new[] { "a/B.bmp", "a/c.jpg", "b.png", "d.webp", "z/deep/y.gif" },
            source.Files.Select(f => Path.GetRelativePath(_dir, f).Replace('\\', '/')).ToArray());
        Assert.AreEqual(0, source.ClassNames.Count);
        for (int i = 0; i < source.Count; i++)
        {
            var clip = source.Read(i, new Random(0));
            Assert.AreEqual((1, 6, 8, -1), (clip.Frames, clip.Height, clip.Width, clip.Label), source.Files[i]);
            Assert.AreEqual(source.Files[i], clip.Origin);
            Assert.AreEqual(clip.Length, clip.Pixels.Length);
            // Channel-major: the first 48 floats are red, then green, then blue (lossy formats within a few levels).
            Assert.AreEqual(TestFiles.Unit(200), clip.Pixels[0], 0.05f, source.Files[i]);
            Assert.AreEqual(TestFiles.Unit(30), clip.Pixels[48], 0.05f, source.Files[i]);
            Assert.AreEqual(TestFiles.Unit(30), clip.Pixels[96 + 47], 0.05f, source.Files[i]);
        }
    }

    [TestMethod]
    public void Grey_image_becomes_three_equal_channels()
    {
        using (var grey = new Image<L8>(4, 3, new L8(100))) grey.Save(P("grey.png"));
        var clip = new ImageFolderSource(_dir).Read(0, new Random(0));
        Assert.AreEqual(36, clip.Pixels.Length);
        foreach (float v in clip.Pixels) Assert.AreEqual(TestFiles.Unit(100), v, 1e-6f);
    }

    [TestMethod]
    public void Alpha_is_composited_over_black()
    {
        using (var image = new Image<Rgba32>(2, 1))
        {
            image[0, 0] = new Rgba32(200, 100, 50, 255);
            image[1, 0] = new Rgba32(200, 100, 50, 0);
            image.Save(P("alpha.png"));
        }
        var clip = new ImageFolderSource(_dir).Read(0, new Random(0));
        // [3, 1, 1, 2]: per channel, the opaque pixel then the transparent one.
        CollectionAssert.AreEqual(
            new[] { TestFiles.Unit(200), -1f, TestFiles.Unit(100), -1f, TestFiles.Unit(50), -1f }, clip.Pixels);

        using (var half = new Image<Rgba32>(1, 1, new Rgba32(200, 100, 50, 128))) half.Save(P("half.png"));
        var halfClip = new ImageFolderSource(_dir).Read(1, new Random(0));
        Assert.AreEqual(TestFiles.Unit(100), halfClip.Pixels[0], 0.01f);
        Assert.AreEqual(TestFiles.Unit(50), halfClip.Pixels[1], 0.01f);
    }

    [TestMethod]
    public void Image_over_the_pixel_limit_is_rejected_from_its_header()
    {
        string bomb = TestFiles.PngHeaderOnly(P("bomb.png"), 50_000, 50_000);
        var source = new ImageFolderSource(_dir);
        var e = Assert.ThrowsExactly<BadItemException>(() => source.Read(0, new Random(0)));
        Assert.AreEqual(bomb, e.Origin);
        StringAssert.Contains(e.Message, bomb);
        StringAssert.Contains(e.Message, "50000x50000");
        StringAssert.Contains(e.Message, "40000000");
    }

    [TestMethod]
    public void Pixel_limit_is_configurable_and_inclusive()
    {
        TestFiles.SolidImage(P("x.png"), 100, 100, new Rgb24(1, 2, 3));
        var exact = new ImageFolderSource(_dir, new ImageFolderOptions { MaxPixels = 10_000 });
        Assert.AreEqual(100, exact.Read(0, new Random(0)).Width);
        var tight = new ImageFolderSource(_dir, new ImageFolderOptions { MaxPixels = 9_999 });
        var e = Assert.ThrowsExactly<BadItemException>(() => tight.Read(0, new Random(0)));
        StringAssert.Contains(e.Message, "exceeds the limit of 9999 pixels");
    }

    [TestMethod]
    public void Corrupt_files_raise_bad_item_naming_the_file()
    {
        File.WriteAllText(P("garbage.png"), "this is not a png");
        string truncated = TestFiles.SolidImage(P("truncated.jpg"), 64, 64, new Rgb24(9, 9, 9));
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..40]);
        var source = new ImageFolderSource(_dir);
        for (int i = 0; i < 2; i++)
        {
            var e = Assert.ThrowsExactly<BadItemException>(() => source.Read(i, new Random(0)));
            Assert.AreEqual(source.Files[i], e.Origin);
            StringAssert.StartsWith(e.Message, source.Files[i]);
        }
    }

    [TestMethod]
    public void Labels_come_from_immediate_subfolders_when_asked()
    {
        TestFiles.SolidImage(P("dog/1.png"), 2, 2, new Rgb24());
        TestFiles.SolidImage(P("cat/inner/2.png"), 2, 2, new Rgb24());
        TestFiles.SolidImage(P("cat/3.png"), 2, 2, new Rgb24());
        var source = new ImageFolderSource(_dir, new ImageFolderOptions { LabelsFromSubfolders = true });
        CollectionAssert.AreEqual(new[] { "cat", "dog" }, source.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 0, 1 }, Enumerable.Range(0, 3).Select(i => source.Read(i, new Random(0)).Label).ToArray());

        TestFiles.SolidImage(P("loose.png"), 2, 2, new Rgb24());
        var e = Assert.ThrowsExactly<ArgumentException>(() => new ImageFolderSource(_dir, new ImageFolderOptions { LabelsFromSubfolders = true }));
        StringAssert.Contains(e.Message, "loose.png");
    }

    [TestMethod]
    public void Missing_or_empty_folder_is_an_error_naming_it()
    {
        string missing = P("nope");
        var e1 = Assert.ThrowsExactly<DirectoryNotFoundException>(() => new ImageFolderSource(missing));
        StringAssert.Contains(e1.Message, missing);
        var e2 = Assert.ThrowsExactly<ArgumentException>(() => new ImageFolderSource(_dir));
        StringAssert.Contains(e2.Message, _dir);
    }

    [TestMethod]
    public void Resize_shorter_side_then_centre_crop()
    {
        TestFiles.SolidImage(P("wide.png"), 40, 20, new Rgb24(50, 60, 70));
        var source = new ImageFolderSource(_dir, new ImageFolderOptions { Transform = ImageTransform.ResizeAndCrop(10) });
        var clip = source.Read(0, new Random(0));
        Assert.AreEqual((10, 10), (clip.Height, clip.Width));
        Assert.AreEqual(TestFiles.Unit(60), clip.Pixels[100 + 55], 1e-6f);

        var resizeOnly = new ImageFolderSource(_dir, new ImageFolderOptions { Transform = new ImageTransform { ResizeShorterSide = 5 } });
        var small = resizeOnly.Read(0, new Random(0));
        Assert.AreEqual((5, 10), (small.Height, small.Width));
    }

    [TestMethod]
    public void Crop_larger_than_the_image_scales_it_up_to_cover()
    {
        TestFiles.SolidImage(P("tiny.png"), 6, 3, new Rgb24(50, 60, 70));
        var source = new ImageFolderSource(_dir, new ImageFolderOptions { Transform = new ImageTransform { CropHeight = 8, CropWidth = 8 } });
        var clip = source.Read(0, new Random(0));
        Assert.AreEqual((8, 8), (clip.Height, clip.Width));
    }

    [TestMethod]
    public void Random_crop_and_flip_depend_only_on_the_random_state()
    {
        // A horizontal ramp: the crop's x offset shows in the first pixel's value.
        using (var ramp = new Image<Rgb24>(64, 16))
        {
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 64; x++)
                    ramp[x, y] = new Rgb24((byte)(x * 4), 0, 0);
            ramp.Save(P("ramp.png"));
        }
        var source = new ImageFolderSource(_dir, new ImageFolderOptions
        {
            Transform = new ImageTransform { CropHeight = 16, CropWidth = 16, Crop = CropMode.Random, FlipProbability = 0.5 },
        });
        var firsts = new HashSet<float>();
        var flips = new HashSet<bool>();
        for (int seed = 0; seed < 20; seed++)
        {
            var a = source.Read(0, new Random(seed));
            var b = source.Read(0, new Random(seed));
            CollectionAssert.AreEqual(a.Pixels, b.Pixels, $"seed {seed}");
            firsts.Add(a.Pixels[0]);
            flips.Add(a.Pixels[0] > a.Pixels[15]);
        }
        Assert.IsGreaterThan(5, firsts.Count, "random crops should land at several places");
        Assert.AreEqual(2, flips.Count, "with p = 0.5, some crops should be mirrored and some not");
    }

    [TestMethod]
    public void Flip_with_probability_one_mirrors()
    {
        TestFiles.HalvesImage(P("halves.png"), 4, 2, new Rgb24(255, 0, 0), new Rgb24(0, 0, 255));
        var source = new ImageFolderSource(_dir, new ImageFolderOptions { Transform = new ImageTransform { FlipProbability = 1 } });
        var clip = source.Read(0, new Random(0));
        Assert.AreEqual(-1f, clip.Pixels[0]);   // red channel, top-left: was red, now blue
        Assert.AreEqual(1f, clip.Pixels[3]);    // red channel, top-right
    }
}
