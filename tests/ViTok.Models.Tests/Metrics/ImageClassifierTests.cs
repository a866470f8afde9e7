using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Metrics;

[TestClass]
public sealed class ImageClassifierTests
{
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(3);
        _dir = Directory.CreateTempSubdirectory("vitok-classifier-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    static readonly ImageClassifierTrainingOptions Tiny = new() { Epochs = 3, BatchSize = 16, LearningRate = 1e-2, Widths = [8, 16], LogEvery = 1, EvalBatchSize = 32 };

    static ImageClassifier Untrained(int classes = 3, int size = 16) =>
        new(new ImageClassifierConfig { ImageSize = size, Widths = [4, 8], ClassNames = Enumerable.Range(0, classes).Select(i => $"class {i}").ToArray() });

    [TestMethod]
    public void Learns_a_tiny_three_class_problem_within_18_steps_and_reports_test_accuracy()
    {
        var reports = new List<TrainingProgress>();
        var result = new ImageClassifierTrainer(Tiny).Train(new ColourSource(96), new ColourSource(60, seed: 1), progress: new Collect(reports));
        using var model = result.Model;
        Assert.AreEqual(18L, result.Steps, "3 epochs of 96 items in batches of 16");
        Assert.IsNotNull(result.Test);
        Assert.AreEqual(60, result.Test.Count);
        Assert.IsGreaterThanOrEqualTo(0.95, result.Test.Accuracy, $"test accuracy {result.Test.Accuracy}");
        CollectionAssert.AreEqual(ColourSource.Names, model.Config.ClassNames.ToArray());
        Assert.AreEqual(16, model.Config.ImageSize);
        Assert.AreEqual(18, reports.Count);
        Assert.IsNotNull(reports[^1].Evaluation, "the last step of an epoch carries the test accuracy");
        Assert.AreEqual(result.Test.Accuracy, reports[^1].Evaluation!["test_accuracy"]);
        Assert.IsLessThan(reports[0].Loss, reports[^1].Loss);
    }

    [TestMethod]
    public void Training_is_deterministic_for_a_seed()
    {
        using var scope = NewDisposeScope();
        var images = rand(6, 3, 16, 16) * 2 - 1;
        Tensor Logits(long seed)
        {
            using var model = new ImageClassifierTrainer(Tiny with { Epochs = 1, Seed = seed }).Train(new ColourSource(48)).Model;
            using var _ = no_grad();
            return model.forward(images);
        }
        var a = Logits(5);
        var b = Logits(5);
        var c = Logits(6);
        Assert.IsTrue(a.eq(b).all().item<bool>(), "the same seed gave different weights");
        Assert.IsFalse(a.eq(c).all().item<bool>(), "another seed gave the same weights");
    }

    [TestMethod]
    public void Saved_file_holds_config_and_class_names_and_gives_bitwise_identical_logits()
    {
        string path = Path.Combine(_dir, "colours.safetensors");
        var result = new ImageClassifierTrainer(Tiny with { Epochs = 1 }).Train(new ColourSource(48), new ColourSource(12, seed: 2), path);
        using var model = result.Model;
        using var loaded = ImageClassifierFile.Load(path);
        Assert.AreEqual(model.Config, loaded.Config);
        Assert.AreEqual("colours", loaded.Label);
        Assert.IsFalse(loaded.training, "a loaded classifier is in eval mode");
        var metadata = ImageClassifierFile.ReadMetadata(path);
        StringAssert.Contains(metadata["vitok.config"], "\"green\"");
        StringAssert.Contains(metadata["test.accuracy"], "\"count\":12");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = rand(5, 3, 16, 16) * 2 - 1;
        Assert.IsTrue(model.forward(images).eq(loaded.forward(images)).all().item<bool>(), "logits differ after reload");
        var (f1, l1) = model.FeaturesAndLogits(images);
        Assert.IsTrue(l1.eq(loaded.Logits(images)).all().item<bool>(), "logits of FeaturesAndLogits differ after reload");
        Assert.IsTrue(f1.eq(loaded.Features(images)).all().item<bool>(), "features differ after reload");
        Assert.AreEqual(1, Directory.GetFiles(_dir).Length, "temporary files were left behind");
    }

    [TestMethod]
    public void Missing_corrupt_and_foreign_files_are_named()
    {
        string missing = Path.Combine(_dir, "missing.safetensors");
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => ImageClassifierFile.Load(missing)).Message, missing);

        string path = Path.Combine(_dir, "c.safetensors");
        using (var model = Untrained()) ImageClassifierFile.Save(model, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^64]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ImageClassifierFile.Load(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "truncated");

        string tokenizer = Path.Combine(_dir, "tokenizer.safetensors");
        using (var t = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(t, tokenizer);
        e = Assert.ThrowsExactly<InvalidDataException>(() => ImageClassifierFile.Load(tokenizer));
        StringAssert.Contains(e.Message, tokenizer);
        StringAssert.Contains(e.Message, "not a ViTok image classifier");
        StringAssert.Contains(e.Message, "'tokenizer'");

        string foreign = Path.Combine(_dir, "foreign.safetensors");
        using (NewDisposeScope()) SafeTensorsFile.Write(foreign, [("w", zeros(2))]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ImageClassifierFile.Load(foreign)).Message, foreign);
    }

    [TestMethod]
    public void Unlabelled_or_mismatched_sources_are_refused()
    {
        var trainer = new ImageClassifierTrainer(Tiny);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Train(new ColourSource(48, labelled: false))).Message, "no class labels");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Train(new ColourSource(48), new ColourSource(12, labelled: false))).Message, "no class labels");
        var shapes = new SyntheticImageSource(new SyntheticImageOptions { Count = 16, Width = 16, Height = 16 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Train(new ColourSource(48), shapes)).Message, "classes");
    }

    [TestMethod]
    public void Images_of_another_size_are_resized_and_bad_shapes_refused()
    {
        using var model = Untrained(size: 16);
        model.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Assert.AreEqual(8L, model.Features(rand(2, 3, 24, 20)).shape[1]);
        Assert.AreEqual(3L, model.Logits(rand(2, 3, 8, 8)).shape[1]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.forward(rand(2, 1, 16, 16))).Message, "[B, 3, H, W]");
    }

    [TestMethod]
    public void Config_round_trips_through_json_and_rejects_bad_values()
    {
        var config = new ImageClassifierConfig { ImageSize = 32, Widths = [8, 16, 32], ClassNames = ["T-shirt/top", "Trouser"] };
        var back = ImageClassifierConfig.FromJson(config.ToJson());
        Assert.AreEqual(config, back);
        Assert.AreEqual(config.GetHashCode(), back.GetHashCode());
        Assert.AreEqual(32, back.FeatureSize);
        Assert.ThrowsExactly<ArgumentException>(() => new ImageClassifierConfig { ClassNames = ["only"] }.Validate());
        Assert.ThrowsExactly<ArgumentException>(() => new ImageClassifierConfig { ClassNames = ["a", "a"] }.Validate());
        Assert.ThrowsExactly<ArgumentException>(() => new ImageClassifierConfig { ImageSize = 4, Widths = [1, 1, 1, 1], ClassNames = ["a", "b"] }.Validate());
        Assert.ThrowsExactly<ArgumentException>(() => ImageClassifierConfig.FromJson("{not json"));
    }

    sealed class Collect(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }
}
