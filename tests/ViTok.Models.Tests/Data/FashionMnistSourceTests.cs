using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class FashionMnistSourceTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestFiles.NewFolder("fmnist");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    FashionMnistSource Open(FashionMnistSplit split = FashionMnistSplit.Train, int size = 32, FashionMnistFit fit = FashionMnistFit.Pad) =>
        new(new FashionMnistOptions { Directory = _dir, Split = split, Size = size, Fit = fit });

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Reads_gzipped_or_raw_files_padded_to_32(bool gzip)
    {
        TestFiles.FashionMnist(_dir, "train", [9, 0, 3], gzip);
        var source = Open();
        Assert.AreEqual(3, source.Count);
        Assert.AreEqual(10, source.ClassNames.Count);
        Assert.AreEqual("Ankle boot", source.ClassNames[9]);
        Assert.AreEqual("T-shirt/top", source.ClassNames[0]);

        var clip = source.Read(1, new Random(0));
        Assert.AreEqual((1, 32, 32, 0, "fashion-mnist:train#1"), (clip.Frames, clip.Height, clip.Width, clip.Label, clip.Origin));
        // Item 1 is a 20x20 square of value 50 at rows/columns 4..23 of 28, so 6..25 of 32 after a 2-pixel pad.
        for (int c = 0; c < 3; c++)
        {
            int plane = c * 32 * 32;
            Assert.AreEqual(-1f, clip.Pixels[plane + 0]);
            Assert.AreEqual(-1f, clip.Pixels[plane + 5 * 32 + 5]);
            Assert.AreEqual(TestFiles.Unit(50), clip.Pixels[plane + 6 * 32 + 6], 1e-6f);
            Assert.AreEqual(TestFiles.Unit(50), clip.Pixels[plane + 25 * 32 + 25], 1e-6f);
            Assert.AreEqual(-1f, clip.Pixels[plane + 26 * 32 + 26]);
        }
        Assert.AreEqual(3, source.Read(2, new Random(0)).Label);
        Assert.AreEqual(75, source.RawPixels(2)[14 * 28 + 14]);
    }

    [TestMethod]
    public void Test_split_reads_t10k_files_and_resize_fit_is_bilinear()
    {
        TestFiles.FashionMnist(_dir, "t10k", [5, 7], gzip: true);
        var source = Open(FashionMnistSplit.Test, size: 16, fit: FashionMnistFit.Resize);
        var clip = source.Read(1, new Random(0));
        Assert.AreEqual((16, 16, 7, "fashion-mnist:test#1"), (clip.Height, clip.Width, clip.Label, clip.Origin));
        Assert.AreEqual(TestFiles.Unit(50), clip.Pixels[8 * 16 + 8], 0.01f, "centre of the square");
        Assert.AreEqual(-1f, clip.Pixels[0], 0.01f, "corner stays black");
        float edge = clip.Pixels[8 * 16 + 2];
        Assert.IsTrue(edge > -1f && edge < TestFiles.Unit(50), $"the square's edge is blended by the bilinear resize ({edge})");
    }

    [TestMethod]
    public void Missing_files_are_named()
    {
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => Open());
        StringAssert.Contains(e.Message, Path.Combine(_dir, "train-images-idx3-ubyte"));
        var e2 = Assert.ThrowsExactly<DirectoryNotFoundException>(() =>
            new FashionMnistSource(new FashionMnistOptions { Directory = Path.Combine(_dir, "absent") }));
        StringAssert.Contains(e2.Message, "absent");
    }

    [TestMethod]
    public void Wrong_magic_number_is_rejected_naming_the_file()
    {
        TestFiles.FashionMnist(_dir, "train", [1, 2], gzip: false);
        string images = Path.Combine(_dir, "train-images-idx3-ubyte");
        TestFiles.Idx(images, [2, 28, 28], new byte[2 * 784], magicOverride: 0x0801);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Open());
        StringAssert.Contains(e.Message, images);
        StringAssert.Contains(e.Message, "magic number 0x00000801");
    }

    [TestMethod]
    public void Truncated_image_file_is_rejected_naming_the_file()
    {
        TestFiles.FashionMnist(_dir, "train", [1, 2], gzip: true);
        string images = Path.Combine(_dir, "train-images-idx3-ubyte.gz");
        TestFiles.Idx(images, [2, 28, 28], new byte[784 + 100]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Open());
        StringAssert.Contains(e.Message, images);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void Corrupt_gzip_is_rejected_naming_the_file()
    {
        TestFiles.FashionMnist(_dir, "train", [1, 2], gzip: true);
        string labels = Path.Combine(_dir, "train-labels-idx1-ubyte.gz");
        var bytes = File.ReadAllBytes(labels);
        for (int i = 10; i < bytes.Length - 8; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(labels, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Open());
        StringAssert.Contains(e.Message, labels);
    }

    [TestMethod]
    public void Label_and_image_counts_must_agree_and_labels_be_below_ten()
    {
        TestFiles.FashionMnist(_dir, "train", [1, 2, 3], gzip: false);
        string labels = Path.Combine(_dir, "train-labels-idx1-ubyte");
        TestFiles.Idx(labels, [2], [1, 2]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Open());
        StringAssert.Contains(e.Message, "3 images");
        StringAssert.Contains(e.Message, labels);

        TestFiles.Idx(labels, [3], [1, 12, 3]);
        var e2 = Assert.ThrowsExactly<InvalidDataException>(() => Open());
        StringAssert.Contains(e2.Message, "item 1 has label 12");
        StringAssert.Contains(e2.Message, labels);
    }

    [TestMethod]
    public void Wrong_item_size_is_rejected()
    {
        TestFiles.FashionMnist(_dir, "train", [1], gzip: false);
        string images = Path.Combine(_dir, "train-images-idx3-ubyte");
        TestFiles.Idx(images, [1, 32, 32], new byte[1024]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Open());
        StringAssert.Contains(e.Message, "32x32");
    }

    [TestMethod]
    public void Padding_cannot_shrink()
    {
        TestFiles.FashionMnist(_dir, "train", [1], gzip: false);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Open(size: 16));
        StringAssert.Contains(e.Message, "resize");
    }

    [TestMethod]
    public void Flip_transform_applies_after_padding()
    {
        TestFiles.FashionMnist(_dir, "train", [1], gzip: false);
        var source = new FashionMnistSource(new FashionMnistOptions
        {
            Directory = _dir,
            Transform = new ImageTransform { CropHeight = 30, CropWidth = 30, FlipProbability = 1 },
        });
        var clip = source.Read(0, new Random(0));
        Assert.AreEqual((30, 30), (clip.Height, clip.Width));
    }
}
