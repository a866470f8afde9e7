using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using ViTok.Models.Tests.Onnx;
using static TorchSharp.torch;
using A = ViTok.Models.Onnx.OnnxAttribute;

namespace ViTok.Models.Tests.Metrics;

[TestClass]
public sealed class VideoAndNetworkMetricsTests
{
    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(8);
    }

    /// <summary>A tiny classifier "tiny-inception": conv, relu, global pool (8-d features), Gemm to 3 logits, Softmax output.</summary>
    internal static FeatureNetwork TinyClassifier(string label = "tiny-inception")
    {
        using var w = randn(8, 3, 3, 3);
        using var fc = randn(3, 8);
        var model = TestGraph.Graph(
            [
                new OnnxNode("conv", "Conv", ["x", "w"], ["c"], [A.Of("pads", 1L, 1L, 1L, 1L)]),
                new OnnxNode("relu", "Relu", ["c"], ["r"], []),
                new OnnxNode("gap", "GlobalAveragePool", ["r"], ["pool"], []),
                new OnnxNode("flat", "Flatten", ["pool"], ["f"], []),
                new OnnxNode("fc", "Gemm", ["f", "fc"], ["logits"], [A.Of("transB", 1L)]),
                new OnnxNode("softmax", "Softmax", ["logits"], ["prob"], [A.Of("axis", 1L)]),
            ],
            [TestGraph.Float("x", 1, 3, 16, 16)], [OnnxTensor.FromTorch("w", w), OnnxTensor.FromTorch("fc", fc)], [TestGraph.Float("prob", 1, 3)]);
        return FeatureNetwork.FromModel(model, new FeatureNetworkOptions { Normalization = ImageNormalization.MinusOneToOne }, label);
    }

    [TestMethod]
    public void A_classifier_gives_features_logits_and_an_inception_score()
    {
        using var net = TinyClassifier();
        Assert.AreEqual("pool", net.FeatureValue);
        Assert.AreEqual("logits", net.LogitsValue, "the Softmax's input");
        Assert.AreEqual("IS", net.InceptionScoreLabel);
        Assert.AreEqual("FID", net.FrechetLabel(2048));
        Assert.AreEqual("FD-tiny-inception", net.FrechetLabel(8), "FID only for 2048-d Inception pool3 features");
        using var scope = NewDisposeScope();
        var images = rand(6, 3, 20, 24) * 2 - 1;   // resized to the declared 16x16
        CollectionAssert.AreEqual(new long[] { 6, 8 }, net.Features(images).shape);
        var logits = net.Logits(images);
        CollectionAssert.AreEqual(new long[] { 6, 3 }, logits.shape);
        var (score, _) = InceptionScore.FromLogits(logits);
        Assert.IsTrue(score is >= 1 and <= 3, $"IS {score} lies between 1 and the class count");
    }

    [TestMethod]
    public void Video_psnr_and_ssim_average_per_frame_values()
    {
        using var scope = NewDisposeScope();
        var reference = rand([2, 3, 4, 16, 16]) * 2 - 1;
        var candidate = (reference + randn([2, 3, 4, 16, 16]) * 0.1f).clamp(-1, 1);
        var psnr = VideoMetrics.PsnrPerClip(reference, candidate);
        var ssim = VideoMetrics.SsimPerClip(reference, candidate);
        for (int b = 0; b < 2; b++)
        {
            var frames = Enumerable.Range(0, 4).Select(t => (reference[b, .., t].unsqueeze(0), candidate[b, .., t].unsqueeze(0))).ToList();
            Assert.AreEqual(frames.Average(f => Psnr.PerItem(f.Item1, f.Item2)[0]), psnr[b], 1e-9);
            Assert.AreEqual(frames.Average(f => Ssim.PerItem(f.Item1, f.Item2)[0]), ssim[b], 1e-9);
        }
        Assert.IsTrue(VideoMetrics.PsnrPerClip(reference, reference.clone()).All(double.IsPositiveInfinity));
    }

    [TestMethod]
    public void Fvd_proxy_is_zero_for_the_same_clips_and_sees_motion()
    {
        using var net = TinyClassifier("tiny");
        using var scope = NewDisposeScope();
        var clips = rand([4, 3, 3, 16, 16]) * 2 - 1;
        var descriptors = VideoMetrics.ClipFeatures(net, clips);
        CollectionAssert.AreEqual(new long[] { 4, 16 }, descriptors.shape, "8-d mean features and 8-d temporal differences");
        Assert.AreEqual(0.0, VideoMetrics.FvdProxy(net, clips, clips.clone()), 1e-9);
        // Static clips (every frame the first one) have no motion part; the proxy tells them apart from moving ones.
        var still = clips[.., .., ..1].expand(4, 3, 3, 16, 16).contiguous();
        Assert.AreEqual(0.0, VideoMetrics.ClipFeatures(net, still)[.., 8..].abs().max().item<double>());
        Assert.IsGreaterThan(0, VideoMetrics.FvdProxy(net, clips, still));
    }
}
