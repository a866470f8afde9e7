using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.MLNet.Tests;

/// <summary>A training row of video latents: [8 tokens, 4 channels] (N-N/2x8, 4 frames of 16x16, c = 4) and its class.</summary>
public sealed class VideoLatentRow
{
    [VectorType(8, 4)]
    public float[] Latent { get; set; } = [];
    public string Label { get; set; } = "";
}

/// <summary>GenerateLatents then DecodeLatents with a tiny video tokenizer and a tiny generator trained on its latent shape: clips out.</summary>
[TestClass]
public sealed class VideoGenerationTests
{
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        _dir = Directory.CreateTempSubdirectory("vitok-mlnet-video-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Generated_video_latents_decode_to_clips_as_channel_major_frame_stacks()
    {
        string tokenizerPath = Path.Combine(_dir, "video.safetensors");
        torch.random.manual_seed(5);
        using (var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/2x8", channels: 4, imageSize: 16, frames: 4))) TokenizerFile.Save(model, tokenizerPath);
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 8).Select(i => new VideoLatentRow
        {
            Label = i % 2 == 0 ? "left" : "right",
            Latent = Enumerable.Range(0, 32).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(),
        }).ToList();
        var ml = new MLContext(seed: 1);
        var training = ml.Data.LoadFromEnumerable(rows);
        var generator = ml.Transforms.TrainGenerator(new TrainGeneratorOptions
        {
            OutputColumnName = "Latent", TokenizerPath = tokenizerPath, Size = "N", RunFolder = Path.Combine(_dir, "run"), SamplingSteps = 3,
            Training = new GeneratorTrainingOptions { Steps = 2, BatchSize = 4, LearningRate = 1e-3, LogEvery = 1, CheckpointEvery = 2 },
        }).Fit(training);
        generator.Dispose();
        string generatorPath = Path.Combine(_dir, "run", "generator.safetensors");

        var requests = ml.Data.LoadFromEnumerable(new[] { new RequestRow { Label = "left", Seed = 1 }, new RequestRow { Label = "right", Seed = 2 } });
        using var pipeline = ml.Transforms.GenerateLatents("Latent", generatorPath, "Label", seedColumnName: "Seed", steps: 3)
            .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions { OutputColumnName = "Clip", InputColumnName = "Latent", TokenizerPath = tokenizerPath, Output = DecodedOutput.PixelVector }))
            .Fit(requests);
        var clips = pipeline.Transform(requests);
        var type = (VectorDataViewType)clips.Schema["Clip"].Type;
        CollectionAssert.AreEqual(new[] { 3, 4, 16, 16 }, type.Dimensions.ToArray());   // [3, t, h, w]
        var values = clips.GetColumn<VBuffer<float>>("Clip").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.AreEqual(2, values.Length);
        foreach (var clip in values)
        {
            Assert.AreEqual(3 * 4 * 16 * 16, clip.Length);
            Assert.IsTrue(clip.All(v => float.IsFinite(v)));
        }

        // ReadClips gives them as one tensor [N, 3, t, h, w] in [-1, 1] (value / 127.5 - 1), channel-major as stored.
        using (var tensorClips = clips.ReadClips("Clip"))
        {
            CollectionAssert.AreEqual(new long[] { 2, 3, 4, 16, 16 }, tensorClips.shape);
            Assert.AreEqual(values[1][(2 * 4 + 3) * 256 + 5] / 127.5 - 1, tensorClips[1, 2, 3, 0, 5].item<float>(), 1e-6);
        }
        Assert.ThrowsExactly<ArgumentException>(() => clips.ReadClips("Latent"));

        // The same layout TokenizeImages reads: a generated clip tokenizes again into the generator's latent shape.
        var again = ml.Transforms.TokenizeImages("Again", tokenizerPath, "Clip").Fit(clips).Transform(clips);
        CollectionAssert.AreEqual(new[] { 8, 4 }, ((VectorDataViewType)again.Schema["Again"].Type).Dimensions.ToArray());
        Assert.AreEqual(2, again.GetColumn<VBuffer<float>>("Again").Count());

        // An MLImage cannot hold a clip: the error names the column and the output to use.
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GenerateLatents("Latent", generatorPath, "Label", steps: 3)
            .Append(ml.Transforms.DecodeLatents("Image", tokenizerPath, "Latent")).Fit(requests));
        StringAssert.Contains(e.Message, "PixelVector");
        StringAssert.Contains(e.Message, "Image");
    }
}
