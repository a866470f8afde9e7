using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;
using ViTok.Models.Training;

namespace ViTok.MLNet.Tests;

[TestClass]
public sealed class TrainTokenizerTests
{
    [TestMethod]
    public void Fit_trains_a_tokenizer_logs_progress_and_returns_a_working_transformer()
    {
        using var data = new TestData(perClass: 4);
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source == "TrainTokenizer") lock (messages) messages.Add(e.Message); };
        var images = ml.Data.LoadFromEnumerable(data.Rows);
        string run = Path.Combine(data.Folder, "run");
        var pipeline = ml.Transforms.LoadImages("Image", data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 16, 16))
            .Append(ml.Transforms.TrainTokenizer(new TrainTokenizerOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", Variant = "N-N/8", Channels = 4, ImageSize = 16, RunFolder = run,
                // 16 px: too small for the ResNet18 perceptual loss (refused, Bad_options_are_rejected_before_any_work).
                Training = new TokenizerTrainingOptions { Steps = 12, BatchSize = 4, LearningRate = 2e-3, LogEvery = 4, CheckpointEvery = 12, EvalEvery = 100, PerceptualWeight = 0 },
            }));
        var model = pipeline.Fit(images);
        var latents = model.Transform(images).GetColumn<VBuffer<float>>("Latent").ToArray();
        Assert.AreEqual(data.Rows.Count, latents.Length);
        Assert.AreEqual(4 * 4, latents[0].Length);
        Assert.IsTrue(File.Exists(Path.Combine(run, "tokenizer.safetensors")));
        Assert.IsTrue(messages.Any(m => m.Contains("step 12/12")), string.Join("\n", messages));

        // The same RunFolder again without Resume: refused before any row is read, the finished run untouched.
        var before = File.ReadAllBytes(Path.Combine(run, "tokenizer.safetensors"));
        var e = Assert.Throws<ArgumentException>(() => pipeline.Fit(images));
        StringAssert.Contains(e.Message, "RunFolder");
        StringAssert.Contains(e.Message, "already holds a training run");
        StringAssert.Contains(e.Message, "Resume = true");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(Path.Combine(run, "tokenizer.safetensors")));
    }

    [TestMethod]
    public void Bad_options_are_rejected_before_any_work()
    {
        var ml = new MLContext();
        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.TrainTokenizer(new TrainTokenizerOptions { OutputColumnName = "L", Variant = "S-B/7", ImageSize = 32 }));
        StringAssert.Contains(e.Message, "not divisible by the patch size p = 7");
        e = Assert.Throws<ArgumentException>(() => ml.Transforms.TrainTokenizer(new TrainTokenizerOptions { OutputColumnName = "L", Training = new TokenizerTrainingOptions { Steps = 0 } }));
        StringAssert.Contains(e.Message, "steps 0");
        // The perceptual loss `vitok train` applies (the same recipe) does not run on images under 32 px: refused, naming the way out.
        e = Assert.Throws<ArgumentException>(() => ml.Transforms.TrainTokenizer(new TrainTokenizerOptions { OutputColumnName = "L", Variant = "N-N/8", ImageSize = 16 }));
        Assert.AreEqual("PerceptualWeight", e.ParamName);
        StringAssert.Contains(e.Message, "Set the perceptual weight to 0");
    }
}
