using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ViTok.MLNet.DataViews;
using static TorchSharp.torch;

namespace ViTok.MLNet.Tests;

[TestClass]
public sealed class PixelColumnTests
{
    sealed class Row
    {
        [VectorType(3 * 2 * 2)] public float[] Pixels { get; set; } = [];
        [VectorType(5)] public float[] Short { get; set; } = [];
    }

    [TestMethod]
    public void Pixel_vectors_become_images_in_minus_one_to_one_and_wrong_columns_are_named()
    {
        var ml = new MLContext(seed: 1);
        var rows = new[]
        {
            new Row { Pixels = [0, 255, 127.5f, 0, 0, 0, 0, 0, 255, 255, 255, 255], Short = new float[5] },
            new Row { Pixels = Enumerable.Repeat(51f, 12).ToArray(), Short = new float[5] },
        };
        var view = ml.Data.LoadFromEnumerable(rows);
        using var scope = NewDisposeScope();
        var images = view.ReadImages(nameof(Row.Pixels), 2, 2);
        CollectionAssert.AreEqual(new long[] { 2, 3, 2, 2 }, images.shape);
        Assert.AreEqual(-1f, images[0, 0, 0, 0].item<float>());
        Assert.AreEqual(1f, images[0, 0, 0, 1].item<float>());
        Assert.AreEqual(0f, images[0, 0, 1, 0].item<float>(), 1e-6f);
        Assert.AreEqual(1f, images[0, 2, 1, 1].item<float>());
        Assert.AreEqual(51 / 127.5f - 1, images[1, 1, 1, 0].item<float>(), 1e-6f);

        var e = Assert.ThrowsExactly<ArgumentException>(() => view.ReadImages(nameof(Row.Short), 2, 2));
        StringAssert.Contains(e.Message, "Column 'Short'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => view.ReadImages("Nope", 2, 2)).Message, "'Nope'");
    }
}
