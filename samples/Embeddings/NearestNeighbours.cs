using Microsoft.Extensions.AI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using ViTok.Extensions.AI;
using ViTok.MLNet;
using ViTok.Models.Clips;
using ViTok.Models.Onnx;

/// <summary>
/// Leave-one-out 1-nearest-neighbour (cosine) accuracy of four embeddings of the 1,000 Fashion-MNIST test images in
/// samples/fashion-mnist: each image's label is guessed from its nearest other image. Raw pixels (32 x 32 x 3), the Fashion-MNIST tokenizer's latent
/// (16 tokens x 8) and its mean over tokens (8 values), and ImageNet ResNet18's 512 pooled features (the network of
/// Microsoft.ML.DnnImageFeaturizer.ResNet18, run by our ONNX executor).
/// </summary>
static class NearestNeighbours
{
    const int Count = 1000;

    public static int PrintTable(string fashionMnist)
    {
        var source = new FashionMnistSource(new FashionMnistOptions { Directory = fashionMnist, Split = FashionMnistSplit.Test });
        var clips = Enumerable.Range(0, Count).Select(i => source.Read(i, new Random(0))).ToArray();
        int[] labels = clips.Select(c => c.Label).ToArray();
        var images = clips.Select(Png).ToArray();

        var rows = new List<(string Name, int Length, float[][] Vectors)>
        {
            ("pixels", clips[0].Length, clips.Select(c => c.Pixels).ToArray()),
        };
        foreach (var pooling in new[] { LatentPooling.None, LatentPooling.Mean })
        {
            using var generator = new TokenizerEmbeddingGenerator(ViTokModels.Path(ViTokModels.FashionMnistTokenizer), new TokenizerEmbeddingOptions { Pooling = pooling, BatchSize = 256 });
            var vectors = generator.GenerateAsync(images).GetAwaiter().GetResult().Select(e => e.Vector.ToArray()).ToArray();
            rows.Add((pooling == LatentPooling.None ? "latent (all tokens)" : "latent (mean over tokens)", vectors[0].Length, vectors));
        }
        rows.Add(("ResNet18 features", 512, ResNet18(clips)));

        Console.WriteLine($"Leave-one-out 1-NN accuracy on {Count} Fashion-MNIST test images (cosine; 95 % Wilson interval):");
        Console.WriteLine("| embedding | values | accuracy |");
        Console.WriteLine("|---|---|---|");
        foreach (var (name, length, vectors) in rows)
        {
            int correct = Enumerable.Range(0, Count).Count(q => labels[Nearest(vectors, q)] == labels[q]);
            var (low, high) = Wilson(correct, Count);
            Console.WriteLine($"| {name} | {length} | {100.0 * correct / Count:F1} % [{100 * low:F1}, {100 * high:F1}] |");
        }
        return 0;
    }

    /// <summary>The image nearest to image <paramref name="q"/>, other than itself.</summary>
    static int Nearest(float[][] vectors, int q) =>
        Enumerable.Range(0, vectors.Length).Where(r => r != q).MaxBy(r => Cosine.Similarity(vectors[q], vectors[r]));

    /// <summary>A clip as the PNG file an embedding generator is given.</summary>
    static DataContent Png(Clip clip)
    {
        using var image = Image.LoadPixelData<Rgb24>(ClipPixels.ToRgb24(clip, 0), clip.Width, clip.Height);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return new DataContent(png.ToArray(), "image/png") { Name = clip.Origin };
    }

    static float[][] ResNet18(Clip[] clips)
    {
        using var network = FeatureNetwork.ResNet18();
        var features = new List<float[]>();
        using var _ = torch.no_grad();
        for (int start = 0; start < clips.Length; start += 100)
        {
            using var scope = torch.NewDisposeScope();
            var batch = clips.Skip(start).Take(100).ToArray();
            var pixels = torch.tensor(batch.SelectMany(c => c.Pixels).ToArray(), [batch.Length, 3, batch[0].Height, batch[0].Width]);
            var f = network.Features(pixels).cpu();
            for (int i = 0; i < batch.Length; i++) features.Add(f[i].data<float>().ToArray());
        }
        return [.. features];
    }

    /// <summary>The 95 % Wilson score interval of <paramref name="k"/> successes in <paramref name="n"/>.</summary>
    static (double Low, double High) Wilson(int k, int n)
    {
        const double z = 1.96;
        double p = (double)k / n, d = 1 + z * z / n, centre = (p + z * z / (2 * n)) / d;
        double half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
        return (centre - half, centre + half);
    }
}
