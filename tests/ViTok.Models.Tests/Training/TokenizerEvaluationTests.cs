using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using ViTok.Models.Tests.Metrics;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Training;

[TestClass]
public sealed class TokenizerEvaluationTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void Clips_get_the_fvd_proxy_of_originals_against_reconstructions_images_do_not()
    {
        random.manual_seed(4);
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/2x8", channels: 4, imageSize: 16, frames: 4));
        var source = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 5, Frames = 4, Height = 16, Width = 16, Seed = 3 });
        using var network = VideoAndNetworkMetricsTests.TinyClassifier("tiny");
        using var evaluation = new TokenizerEvaluation(source, 5, network, batchSize: 2);
        var metrics = evaluation.Evaluate(model);
        var (originals, reconstructions) = evaluation.Reconstruct(model, 5);
        using (originals)
        using (reconstructions)
            Assert.AreEqual(VideoMetrics.FvdProxy(network, originals, reconstructions), metrics["fvd_proxy"], 1e-6 * Math.Max(1, metrics["fvd_proxy"]));
        Assert.IsGreaterThan(0, metrics["fvd_proxy"]);

        using var imageModel = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        using var images = new TokenizerEvaluation(new SyntheticImageSource(new SyntheticImageOptions { Count = 4, Height = 16, Width = 16 }), 4, network, batchSize: 2);
        var imageMetrics = images.Evaluate(imageModel);
        Assert.IsTrue(imageMetrics.ContainsKey("fd"));
        Assert.IsFalse(imageMetrics.ContainsKey("fvd_proxy"));
    }

    [TestMethod]
    public void A_classifier_of_the_sources_classes_gives_class_accuracy_of_reconstructions_and_originals()
    {
        random.manual_seed(5);
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16, frames: 3));
        var source = new BrightnessClips();
        using var matching = new TokenizerEvaluation(source, 4, features: null, batchSize: 3, classifier: GeneratedClipEvaluationTests.BrightnessClassifier(16));
        var metrics = matching.Evaluate(model);
        Assert.AreEqual(1.0, metrics["class_accuracy_originals"]);      // all frames of a clip bright, or all dark
        Assert.IsTrue(metrics["class_accuracy"] is >= 0 and <= 1);
        // The reconstructions' figure is what the same classifier says of the same model's outputs, item by item.
        var (originals, reconstructions) = matching.Reconstruct(model, 4);
        using (originals)
        using (reconstructions)
        using (var outputs = ClassifierOutputs.Of(GeneratedClipEvaluationTests.BrightnessClassifier(16), VideoMetrics.Frames(reconstructions)))
        {
            var expected = outputs.PredictedPerClip(3).Select((p, i) => p == i % 2 ? 1.0 : 0.0).Average();
            Assert.AreEqual(expected, metrics["class_accuracy"], 1e-12);
        }
        Assert.AreEqual(metrics["class_accuracy_originals"], matching.Evaluate(model)["class_accuracy_originals"]);   // kept from the first pass

        using var other = new TokenizerEvaluation(source, 4, features: null, classifier: GeneratedClipEvaluationTests.BrightnessClassifier(16, "light", "shade"));
        var without = other.Evaluate(model);
        Assert.IsTrue(without.ContainsKey("fd_clf"));
        Assert.IsFalse(without.ContainsKey("class_accuracy"), "class names that are not the source's give no accuracy");
    }

    /// <summary>Four clips of 3 frames of 16x16, alternately all dark (class 0) and all bright (class 1).</summary>
    sealed class BrightnessClips : IClipSource
    {
        public string Description => "brightness clips";
        public int Count => 4;
        public IReadOnlyList<string> ClassNames => ["dark", "bright"];
        public Clip Read(int index, Random rng) => new(Enumerable.Repeat(index % 2 == 0 ? -1f : 1f, 3 * 3 * 16 * 16).ToArray(), 3, 16, 16, index % 2, $"clip {index}");
    }
}
