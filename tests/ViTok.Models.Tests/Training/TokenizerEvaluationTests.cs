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
}
