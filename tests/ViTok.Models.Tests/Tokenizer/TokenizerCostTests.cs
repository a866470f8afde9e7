using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Models.Tests.Tokenizer;

[TestClass]
public sealed class TokenizerCostTests
{
    // Paper (arXiv 2501.09755) Table 1 and section 3: encoder alone for S, B, L (the size as encoder of X-X/16).
    [TestMethod]
    [DataRow("S", 43.3, 11.6)]
    [DataRow("B", 85.8, 23.1)]
    [DataRow("L", 383.7, 101.8)]
    public void Single_sizes_match_the_paper_within_2_percent(string size, double paramsM, double gflops)
    {
        var cost = TokenizerCost.Of(ViTokConfig.FromVariant($"{size}-{size}/16", imageSize: 256)).Encoder;
        AssertClose(paramsM, cost.ParamsM, $"{size} params (M)");
        AssertClose(gflops, cost.GFlops, $"{size} GFLOPs");
    }

    [TestMethod]
    [DataRow("S-B/16", 256, 1, 129.0, 34.8)]
    [DataRow("S-L/16", 256, 1, 426.8, 113.4)]
    [DataRow("S-B/16", 512, 1, double.NaN, 160.8)]
    [DataRow("S-B/4x8", 128, 16, double.NaN, 160.8)]
    [DataRow("S-B/8x8", 128, 16, double.NaN, 73.2)]
    [DataRow("S-B/4x16", 128, 16, double.NaN, 34.8)]
    public void Variants_match_the_paper_within_2_percent(string variant, int imageSize, int frames, double paramsM, double gflops)
    {
        var config = ViTokConfig.FromVariant(variant, imageSize: imageSize, frames: frames);
        var cost = TokenizerCost.Of(config, FlopConvention.Paper).Total;
        if (!double.IsNaN(paramsM)) AssertClose(paramsM, cost.ParamsM, $"{variant} params (M)");
        AssertClose(gflops, cost.GFlops, $"{variant} GFLOPs");

        // The exact count differs only by the tubelet layers' extra (q - 1) frames: 2 layers x L x 3(q-1)p² x width.
        var exact = TokenizerCost.Of(config).Total;
        double extra = 2.0 * config.Tokens * 3 * (config.TubeletFrames - 1) * config.Patch * config.Patch * 768;
        Assert.AreEqual(extra, exact.MultiplyAdds - cost.MultiplyAdds, 1.0, variant);
        Assert.AreEqual(cost.Params, exact.Params);
    }

    [TestMethod]
    [DataRow("N-T/8", 32, 1, PositionEncoding.Rope3D)]
    [DataRow("T-N/2x8", 32, 4, PositionEncoding.Learned)]
    [DataRow("S-B/16", 256, 1, PositionEncoding.Rope3D)]
    public void Parameter_formula_equals_the_module(string variant, int imageSize, int frames, PositionEncoding position)
    {
        TorchRuntime.EnsureLoaded();
        var config = ViTokConfig.FromVariant(variant, channels: 8, imageSize: imageSize, frames: frames, position: position);
        using var model = new ViTokAutoEncoder(config);
        long encoder = model.Encoder.parameters().Sum(p => p.numel());
        long decoder = model.Decoder.parameters().Sum(p => p.numel());
        var cost = TokenizerCost.Of(config);
        Assert.AreEqual(cost.Encoder.Params, encoder, "encoder");
        Assert.AreEqual(cost.Decoder.Params, decoder, "decoder");
    }

    static void AssertClose(double expected, double actual, string what) =>
        Assert.IsTrue(Math.Abs(actual - expected) / expected <= 0.02, $"{what}: paper {expected}, ours {actual:F2}");
}
