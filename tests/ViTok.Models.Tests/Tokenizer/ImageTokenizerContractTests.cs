using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.TokenizerV2;

namespace ViTok.Models.Tests.Tokenizer;

/// <summary>
/// Both tokenizer families answer the one contract (<see cref="IImageTokenizer"/>) the same way: a fixed-size batch
/// and a ragged list give the same latents, and each refuses what it cannot take, naming the size.
/// </summary>
[TestClass]
public sealed class ImageTokenizerContractTests
{
    static IImageTokenizer ViTok()
    {
        torch.random.manual_seed(5);
        return new TokenizerInference(new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16)), torch.CPU);
    }

    static IImageTokenizer V2()
    {
        torch.random.manual_seed(5);
        return new ViTokV2Inference(new ViTokV2AutoEncoder(ViTokV2Config.Parse("w64_d2_h4-w96_d3_h4/1x8x16")), torch.CPU);
    }

    /// <summary>
    /// Equal up to float rounding: the fixed-size batch runs 3 items in one pass, the ragged list 2 + 1, and matrix
    /// products of other shapes may sum in another order (on this workplace's 2026-12-08 machine they differed by
    /// about 1e-7; on the one before, not at all).
    /// </summary>
    static void AreClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int j = 0; j < expected.Length; j++) Assert.AreEqual(expected[j], actual[j], 1e-5f, $"{what}, value {j}");
    }

    static TokenizerImage Image(int height, int width, int seed)
    {
        var rng = new Random(seed);
        return new TokenizerImage(Enumerable.Range(0, 3 * height * width).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), height, width);
    }

    [TestMethod]
    [DataRow("vitok")]
    [DataRow("vitok-v2")]
    public void A_fixed_size_batch_and_a_ragged_list_give_the_same_latents_and_images(string family)
    {
        using var tokenizer = family == "vitok" ? ViTok() : V2();
        const int size = 16, count = 3;
        var images = Enumerable.Range(0, count).Select(i => Image(size, size, i)).ToArray();
        var shape = tokenizer.Shape;
        Assert.AreEqual(family, shape.Format);

        var pixels = new BatchBuffer(count, shape.PixelLength(size, size));
        var latents = new BatchBuffer(count, shape.LatentLength(size, size));
        for (int i = 0; i < count; i++) images[i].Pixels.CopyTo(pixels.Slot(i));
        tokenizer.Encode(pixels, count, size, size, latents);
        var ragged = tokenizer.Encode(images, batchSize: 2);
        for (int i = 0; i < count; i++)
        {
            Assert.AreEqual(shape.GridFor(size, size).Count, ragged[i].Grid.Count, $"{family} grid");
            AreClose(latents.Slot(i).ToArray(), ragged[i].Values, $"{family} latent {i}");
        }

        var decoded = new BatchBuffer(count, shape.PixelLength(size, size));
        tokenizer.Decode(latents, count, size, size, decoded);
        var raggedImages = tokenizer.Decode(ragged, batchSize: 2);
        for (int i = 0; i < count; i++)
        {
            Assert.AreEqual((size, size), (raggedImages[i].Height, raggedImages[i].Width));
            AreClose(decoded.Slot(i).ToArray(), raggedImages[i].Pixels, $"{family} image {i}");
        }
    }

    [TestMethod]
    public void A_fixed_size_tokenizer_refuses_another_size_and_a_native_one_takes_it()
    {
        using (var vitok = ViTok())
        {
            Assert.IsFalse(vitok.Shape.NativeResolution);
            var e = Assert.Throws<ArgumentException>(() => vitok.Encode([Image(24, 16, 1)], 4));
            StringAssert.Contains(e.Message, "16x24");
            StringAssert.Contains(e.Message, "16x16 only");
            Assert.Throws<ArgumentException>(() => vitok.Encode(new BatchBuffer(1, 3 * 24 * 24), 1, 24, 24, new BatchBuffer(1, 9 * 4)));
        }
        using var v2 = V2();
        Assert.IsTrue(v2.Shape.NativeResolution);
        Assert.IsFalse(v2.Shape.HasPosterior);
        var latent = v2.Encode([Image(24, 16, 1)], 4).Single();
        Assert.AreEqual((3, 2), (latent.Grid.Rows, latent.Grid.Cols));
        var sample = Assert.Throws<ArgumentException>(() =>
            v2.Encode(new BatchBuffer(1, 3 * 16 * 16), 1, 16, 16, new BatchBuffer(1, 4 * v2.Shape.Channels), LatentKind.Sample, [1L]));
        StringAssert.Contains(sample.Message, "no posterior");
    }
}
