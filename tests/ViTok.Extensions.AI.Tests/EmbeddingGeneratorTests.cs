using Microsoft.Extensions.AI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Extensions.AI.Tests;

/// <summary>
/// <see cref="TokenizerEmbeddingGenerator"/>: embeddings equal the tokenizer's posterior-mean latents of the images
/// the command line reads (pooled as asked), do not depend on the batch, and bad items are refused naming them.
/// </summary>
[TestClass]
public sealed class EmbeddingGeneratorTests
{
    static string _folder = null!, _tokenizer = null!;
    static string V2 => Path.Combine(AppContext.BaseDirectory, "Fixtures", "vitok-v2", "tiny");

    [ClassInitialize]
    public static void Init(TestContext _)
    {
        _folder = Directory.CreateTempSubdirectory("vitok-embeddings-").FullName;
        _tokenizer = Path.Combine(_folder, "tiny.safetensors");
        TorchRuntime.EnsureLoaded();
        torch.random.manual_seed(3);
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        TokenizerFile.Save(model, _tokenizer);
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_folder, recursive: true);

    /// <summary>A PNG of random pixels, <paramref name="width"/> x <paramref name="height"/>.</summary>
    static DataContent Png(int seed, int width, int height, string name = "")
    {
        var rng = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                foreach (ref var p in rows.GetRowSpan(y)) p = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        });
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return new DataContent(png.ToArray(), "image/png") { Name = name };
    }

    static float[][] Vectors(GeneratedEmbeddings<Embedding<float>> e) => e.Select(x => x.Vector.ToArray()).ToArray();

    [TestMethod]
    public void Embeddings_are_the_latents_of_the_images_the_command_line_reads_pooled_as_asked()
    {
        var items = new[] { Png(1, 24, 20), Png(2, 16, 16), Png(3, 40, 17) };
        using var whole = new TokenizerEmbeddingGenerator(_tokenizer, new TokenizerEmbeddingOptions { Pooling = LatentPooling.None });
        using var mean = new TokenizerEmbeddingGenerator(_tokenizer);
        var latents = Vectors(whole.GenerateAsync(items).Result);
        var pooled = Vectors(mean.GenerateAsync(items).Result);

        using var tokenizer = TokenizerFiles.Open(_tokenizer, encoder: true, decoder: false, torch.CPU, torch.ScalarType.Float32);
        for (int i = 0; i < items.Length; i++)
        {
            using var image = ImageFolderSource.Decode(items[i].Data.ToArray(), $"item {i}");
            ImageTransform.ResizeAndCrop(16).Apply(image, new Random(0));
            var expected = tokenizer.Encode([new TokenizerImage(ClipPixels.FromImage(image), 16, 16)], 1)[0].Values;
            Assert.HasCount(expected.Length, latents[i]);
            for (int j = 0; j < expected.Length; j++) Assert.AreEqual(expected[j], latents[i][j], 1e-5f, $"item {i}, value {j}");
            Assert.HasCount(4, pooled[i]);
            for (int c = 0; c < 4; c++)
                Assert.AreEqual(Enumerable.Range(0, 4).Average(t => expected[t * 4 + c]), pooled[i][c], 1e-5, $"item {i}, channel {c}");
        }
        var metadata = (EmbeddingGeneratorMetadata)mean.GetService(typeof(EmbeddingGeneratorMetadata))!;
        Assert.AreEqual(4, metadata.DefaultModelDimensions);
        Assert.AreEqual(16, ((EmbeddingGeneratorMetadata)whole.GetService(typeof(EmbeddingGeneratorMetadata))!).DefaultModelDimensions);   // 2 x 2 tokens x 4
        Assert.AreSame(mean, mean.GetService(typeof(IEmbeddingGenerator<DataContent, Embedding<float>>)));
    }

    [TestMethod]
    public void The_batch_size_does_not_change_an_embedding()
    {
        var items = Enumerable.Range(0, 7).Select(i => Png(10 + i, 20, 20)).ToArray();
        using var one = new TokenizerEmbeddingGenerator(_tokenizer, new TokenizerEmbeddingOptions { Pooling = LatentPooling.None, BatchSize = 1 });
        using var three = new TokenizerEmbeddingGenerator(_tokenizer, new TokenizerEmbeddingOptions { Pooling = LatentPooling.None, BatchSize = 3 });
        var a = Vectors(one.GenerateAsync(items).Result);
        var b = Vectors(three.GenerateAsync(items).Result);
        for (int i = 0; i < items.Length; i++)
            for (int j = 0; j < a[i].Length; j++) Assert.AreEqual(a[i][j], b[i][j], 1e-5f, $"item {i}, value {j}");
    }

    [TestMethod]
    public void A_native_resolution_tokenizer_embeds_each_image_at_its_own_size()
    {
        using var whole = new TokenizerEmbeddingGenerator(V2, new TokenizerEmbeddingOptions { Pooling = LatentPooling.None });
        using var mean = new TokenizerEmbeddingGenerator(V2);
        var items = new[] { Png(1, 32, 16), Png(2, 24, 40) };   // stride 8: 4 x 2 and 3 x 5 tokens of 16 channels
        CollectionAssert.AreEqual(new[] { 8 * 16, 15 * 16 }, Vectors(whole.GenerateAsync(items).Result).Select(v => v.Length).ToArray());
        CollectionAssert.AreEqual(new[] { 16, 16 }, Vectors(mean.GenerateAsync(items).Result).Select(v => v.Length).ToArray());
        Assert.IsNull(((EmbeddingGeneratorMetadata)whole.GetService(typeof(EmbeddingGeneratorMetadata))!).DefaultModelDimensions, "one length per image size");
    }

    [TestMethod]
    public void Bad_items_are_refused_naming_them_before_any_forward_pass()
    {
        using var generator = new TokenizerEmbeddingGenerator(_tokenizer);
        var good = Png(1, 16, 16);
        var text = new DataContent(new byte[] { 1, 2, 3 }, "text/plain") { Name = "notes.txt" };
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => generator.GenerateAsync([good, text])).Message, "Item 1 ('notes.txt') has media type 'text/plain'");
        var cut = new DataContent(good.Data[..(good.Data.Length / 2)], "image/png") { Name = "cut.png" };
        StringAssert.Contains(Assert.Throws<InvalidDataException>(() => generator.GenerateAsync([good, cut])).Message, "Item 1 ('cut.png')");
        using var small = new TokenizerEmbeddingGenerator(_tokenizer, new TokenizerEmbeddingOptions { MaxPixels = 300 });
        StringAssert.Contains(Assert.Throws<InvalidDataException>(() => small.GenerateAsync([Png(2, 20, 20, "big.png")])).Message, "400 pixels exceeds the limit of 300");
        StringAssert.Contains(Assert.Throws<ArgumentOutOfRangeException>(() => new TokenizerEmbeddingGenerator(_tokenizer, new TokenizerEmbeddingOptions { BatchSize = 0 })).Message, "BatchSize = 0");
        Assert.Throws<FileNotFoundException>(() => new TokenizerEmbeddingGenerator(Path.Combine(_folder, "missing.safetensors")));
    }
}
