using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class SyntheticSourceTests
{
    [TestMethod]
    public void Synthetic_images_depend_only_on_seed_and_index()
    {
        var a = new SyntheticImageSource(new SyntheticImageOptions { Count = 20, Height = 24, Width = 40, Seed = 3 });
        var b = new SyntheticImageSource(new SyntheticImageOptions { Count = 20, Height = 24, Width = 40, Seed = 3 });
        var other = new SyntheticImageSource(new SyntheticImageOptions { Count = 20, Height = 24, Width = 40, Seed = 4 });
        Assert.AreEqual(8, a.ClassNames.Count);
        for (int i = 0; i < 20; i++)
        {
            var x = a.Read(i, new Random(1));
            CollectionAssert.AreEqual(x.Pixels, b.Read(i, new Random(99)).Pixels, $"item {i}");
            CollectionAssert.AreNotEqual(x.Pixels, other.Read(i, new Random(1)).Pixels, $"item {i} with another seed");
            Assert.AreEqual((1, 24, 40, i % 8, $"synthetic:shapes#{i}"), (x.Frames, x.Height, x.Width, x.Label, x.Origin));
            Assert.IsTrue(x.Pixels.All(v => v >= -1f && v <= 1f));
        }
        CollectionAssert.AreNotEqual(a.Read(0, new Random(0)).Pixels, a.Read(8, new Random(0)).Pixels, "same kind, different item");
    }

    [TestMethod]
    public void Synthetic_image_shows_a_shape_that_stands_out_from_the_background()
    {
        var source = new SyntheticImageSource(new SyntheticImageOptions { Count = 8, Height = 32, Width = 32 });
        for (int i = 0; i < 8; i++)
        {
            var clip = source.Read(i, new Random(0));
            // Luma range over the picture: a drawn shape contrasts by >= 80 levels with the gradient's mean colour.
            var luma = Enumerable.Range(0, 32 * 32).Select(p =>
                0.299 * clip.Pixels[p] + 0.587 * clip.Pixels[1024 + p] + 0.114 * clip.Pixels[2048 + p]).ToArray();
            Assert.IsGreaterThan(0.3, luma.Max() - luma.Min(), $"{(ShapeKind)i}: luma range {luma.Max() - luma.Min()}");
        }
    }

    [TestMethod]
    public void Synthetic_image_transform_uses_the_reader_random()
    {
        var source = new SyntheticImageSource(new SyntheticImageOptions
        {
            Count = 4, Height = 48, Width = 64,
            Transform = new ImageTransform { CropHeight = 32, CropWidth = 32, Crop = CropMode.Random },
        });
        var a = source.Read(1, new Random(5));
        Assert.AreEqual((32, 32), (a.Height, a.Width));
        CollectionAssert.AreEqual(a.Pixels, source.Read(1, new Random(5)).Pixels);
        bool anyDifferent = Enumerable.Range(6, 10).Any(s => !source.Read(1, new Random(s)).Pixels.SequenceEqual(a.Pixels));
        Assert.IsTrue(anyDifferent, "random crops with other random states should differ");
    }

    [TestMethod]
    public void Synthetic_video_sprite_moves_and_is_deterministic()
    {
        var source = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 10, Frames = 6, Height = 32, Width = 32, Seed = 1 });
        for (int i = 0; i < 10; i++)
        {
            var clip = source.Read(i, new Random(0));
            Assert.AreEqual((6, 32, 32, i % 8), (clip.Frames, clip.Height, clip.Width, clip.Label));
            Assert.AreEqual(clip.Length, clip.Pixels.Length);
            CollectionAssert.AreEqual(clip.Pixels, source.Read(i, new Random(123)).Pixels);
            var first = ClipPixels.ToRgb24(clip, 0);
            var last = ClipPixels.ToRgb24(clip, 5);
            int changed = Enumerable.Range(0, first.Length).Count(p => Math.Abs(first[p] - last[p]) > 20);
            Assert.IsGreaterThan(20, changed, $"clip {i}: the sprite should have moved between the first and last frame");
        }
    }

    [TestMethod]
    public void Synthetic_video_with_fashion_mnist_sprites_takes_their_labels()
    {
        string dir = TestFiles.NewFolder("sprites");
        try
        {
            TestFiles.FashionMnist(dir, "train", [4, 4, 4, 4], gzip: true);
            var fm = new FashionMnistSource(new FashionMnistOptions { Directory = dir });
            var source = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 5, Frames = 3, Height = 24, Width = 24, FashionMnistSprites = fm });
            CollectionAssert.AreEqual(FashionMnistSource.Classes.ToArray(), source.ClassNames.ToArray());
            for (int i = 0; i < 5; i++)
            {
                var clip = source.Read(i, new Random(0));
                Assert.AreEqual(4, clip.Label);
                Assert.AreEqual($"synthetic-video:fashion-mnist#{i}", clip.Origin);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    [DataRow(0.0, 0.0)]
    [DataRow(7.0, 7.0)]
    [DataRow(10.0, 10.0)]
    [DataRow(12.0, 8.0)]
    [DataRow(21.0, 1.0)]
    [DataRow(-3.0, 3.0)]
    public void Bounce_reflects_off_both_ends(double position, double expected) =>
        Assert.AreEqual(expected, SyntheticVideoSource.Bounce(position, 10), 1e-12);

    [TestMethod]
    public void Bad_options_are_rejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new SyntheticImageSource(new SyntheticImageOptions { Count = 0 }));
        Assert.ThrowsExactly<ArgumentException>(() => new SyntheticVideoSource(new SyntheticVideoOptions { Frames = 0 }));
    }
}
