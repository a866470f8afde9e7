using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Metrics;

[TestClass]
public sealed class GeneratedClipEvaluationTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    /// <summary>
    /// A hand-set classifier of 8x8 frames: one channel of mean brightness (ReLU: black frames give 0, white 1), a head
    /// that says "bright" (class 1, probability ~1) for white frames and "dark" (class 0, probability 0.88) for black ones.
    /// </summary>
    internal static ImageClassifier BrightnessClassifier(int imageSize = 8, params string[] classNames)
    {
        var classifier = new ImageClassifier(new ImageClassifierConfig { ImageSize = imageSize, Widths = [1], ClassNames = classNames.Length > 0 ? classNames : ["dark", "bright"] });
        using var _ = no_grad();
        var parameters = classifier.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var conv = zeros(1, 3, 3, 3);
        conv[0, .., 1, 1] = full(3, 1f / 3);
        parameters["body.conv0.weight"].copy_(conv);
        parameters["head.weight"].copy_(tensor(new float[] { 0, 10 }).reshape(2, 1));
        parameters["head.bias"].copy_(tensor(new float[] { 2, 0 }));
        return classifier;
    }

    [TestMethod]
    public void A_clips_class_is_its_frames_probabilities_averaged()
    {
        using var scope = NewDisposeScope();
        var clips = full([2, 3, 5, 8, 8], -1f);
        foreach (int t in new[] { 0, 2 }) clips[0, .., t] = ones(3, 8, 8);      // 2 of 5 frames bright, among them the first and the middle one
        foreach (int t in new[] { 1, 3, 4 }) clips[1, .., t] = ones(3, 8, 8);   // 3 of 5 bright, not the first nor the middle
        var reference = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 2, Frames = 5, Height = 8, Width = 8 });
        using var evaluation = new GeneratedClipEvaluation(reference, network: null, BrightnessClassifier());
        // Averaged: clip 0 is dark (0.47 bright), clip 1 bright (0.65). The first or the middle frame alone would get both wrong.
        Assert.AreEqual(1.0, evaluation.Evaluate(clips, [0, 1])["class_accuracy"]);
        Assert.AreEqual(0.0, evaluation.Evaluate(clips, [1, 0])["class_accuracy"]);
        Assert.IsFalse(evaluation.Evaluate(clips, null).ContainsKey("class_accuracy"));
        Assert.ThrowsExactly<ArgumentException>(() => evaluation.Evaluate(clips, [0]));
    }

    [TestMethod]
    public void The_fvd_proxy_is_zero_for_the_reference_clips_and_grows_for_still_ones()
    {
        using var scope = NewDisposeScope();
        var source = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 6, Frames = 3, Height = 16, Width = 16, Seed = 2 });
        using var reference = ClipTensors.Stack(Enumerable.Range(0, 6).Select(i => source.Read(i, DeterministicRandom.ForItem(0, 0, i))).ToList());
        using var evaluation = new GeneratedClipEvaluation(source, VideoAndNetworkMetricsTests.TinyClassifier("tiny"), classifier: null, batchSize: 4);
        Assert.AreEqual(6, evaluation.ReferenceCount);
        Assert.AreEqual(0.0, evaluation.Evaluate(reference, null)["fvd_proxy"], 1e-6);
        var still = reference[.., .., ..1].expand(6, 3, 3, 16, 16).contiguous();
        Assert.IsGreaterThan(1e-3, evaluation.Evaluate(still, null)["fvd_proxy"]);
        Assert.ThrowsExactly<ArgumentException>(() => evaluation.Evaluate(reference[..1], null));
    }
}
