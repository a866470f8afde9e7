using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Tokenizer;

[TestClass]
public sealed class AutoEncoderTests
{
    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(1);
    }

    [TestMethod]
    [DataRow("N-N/8", 32, 1, PositionEncoding.Rope3D)]
    [DataRow("N-N/8", 32, 1, PositionEncoding.Rope1D)]
    [DataRow("N-N/8", 32, 1, PositionEncoding.Learned)]
    [DataRow("N-N/8", 32, 1, PositionEncoding.SinCos)]
    [DataRow("N-N/2x8", 32, 4, PositionEncoding.Rope3D)]
    [DataRow("N-T/4x16", 32, 8, PositionEncoding.Learned)]
    public void Shapes_of_latents_and_reconstructions(string variant, int size, int frames, PositionEncoding position)
    {
        var config = ViTokConfig.FromVariant(variant, channels: 4, imageSize: size, frames: frames, position: position);
        using var model = new ViTokAutoEncoder(config);
        model.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var pixels = rand([2, 3, frames, size, size]) * 2 - 1;
        using var posterior = model.Encode(pixels);
        CollectionAssert.AreEqual(new long[] { 2, config.Tokens, 4 }, posterior.Mean.shape);
        CollectionAssert.AreEqual(new long[] { 2, config.Tokens, 4 }, posterior.LogVar.shape);
        var reconstruction = model.Decode(posterior.Sample());
        CollectionAssert.AreEqual(new long[] { 2, 3, frames, size, size }, reconstruction.shape);
        using var output = model.forward(pixels);
        CollectionAssert.AreEqual(reconstruction.shape, output.Reconstruction.shape);
        Assert.AreEqual(0, output.Kl.dim());
        Assert.AreEqual(config.Tokens * 4L, config.BottleneckSize);
    }

    [TestMethod]
    public void Four_dimensional_image_batches_are_accepted()
    {
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        using var scope = NewDisposeScope();
        using var posterior = model.Encode(zeros(3, 3, 16, 16));
        CollectionAssert.AreEqual(new long[] { 3, 4, 4 }, posterior.Mean.shape);
    }

    [TestMethod]
    [DataRow(PositionEncoding.Rope3D)]
    [DataRow(PositionEncoding.Rope1D)]
    public void Rope_logits_are_unchanged_when_all_positions_shift(PositionEncoding mode)
    {
        using var scope = NewDisposeScope();
        const int headDim = 48, tokens = 24;
        var positions = mode == PositionEncoding.Rope3D ? PositionAngles.GridPositions(2, 3, 4) : PositionAngles.FlatPositions(tokens);
        var shifted = positions + tensor(mode == PositionEncoding.Rope3D ? new float[] { 5, -3, 11 } : new float[] { 17 });
        var q = randn(1, 2, tokens, headDim);
        var k = randn(1, 2, tokens, headDim);
        Tensor Logits(Tensor pos)
        {
            var rope = RotaryEmbedding.Create(pos, headDim, 10000);
            return RotaryEmbedding.Rotate(q, rope).matmul(RotaryEmbedding.Rotate(k, rope).transpose(-1, -2));
        }
        var a = Logits(positions);
        var b = Logits(shifted);
        Assert.IsTrue(allclose(a, b, rtol: 1e-4, atol: 1e-4), $"max difference {(a - b).abs().max().item<float>()}");
        // and RoPE does depend on relative position: logits differ from unrotated ones
        Assert.IsFalse(allclose(a, q.matmul(k.transpose(-1, -2)), rtol: 1e-3, atol: 1e-3));
    }

    [TestMethod]
    public void Rope_3d_splits_pairs_over_axes()
    {
        CollectionAssert.AreEqual(new[] { 8, 8, 8 }, PositionAngles.SplitPairs(24, 3));    // T, head dim 48
        CollectionAssert.AreEqual(new[] { 10, 11, 11 }, PositionAngles.SplitPairs(32, 3)); // S/B, head dim 64
        CollectionAssert.AreEqual(new[] { 12, 12, 12 }, PositionAngles.SplitPairs(36, 3)); // L, head dim 72
    }

    [TestMethod]
    [DataRow(PositionEncoding.Rope3D)]
    [DataRow(PositionEncoding.Learned)]
    public void Gradients_reach_every_parameter(PositionEncoding position)
    {
        var config = ViTokConfig.FromVariant("N-N/2x8", channels: 4, imageSize: 16, frames: 4, position: position);
        using var model = new ViTokAutoEncoder(config);
        model.train();
        using var scope = NewDisposeScope();
        var pixels = rand([2, 3, 4, 16, 16]) * 2 - 1;
        using var output = model.forward(pixels);
        var loss = nn.functional.mse_loss(output.Reconstruction, pixels) + 1e-3 * output.Kl;
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.IsNotNull(p.grad, $"{name} has no gradient");
            Assert.IsTrue(p.grad.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
            Assert.IsTrue(p.grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
        }
    }

    [TestMethod]
    [DataRow("N-N/7", 32, 1, "not divisible by the patch size p = 7")]
    [DataRow("N-N/2x8", 32, 3, "frames T = 3 is not divisible by the tubelet depth q = 2")]
    [DataRow("X-N/8", 32, 1, "Size 'X' is not known")]
    [DataRow("N-N-8", 32, 1, "is not of the form")]
    public void Invalid_configurations_are_rejected_naming_the_value(string variant, int size, int frames, string message)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ViTokConfig.FromVariant(variant, imageSize: size, frames: frames));
        StringAssert.Contains(e.Message, message);
    }

    [TestMethod]
    public void Head_dimension_that_cannot_carry_rope_is_rejected()
    {
        var config = ViTokConfig.FromVariant("N-N/8", imageSize: 32) with { Encoder = new ViTSize("odd", 90, 1, 2) };
        var e = Assert.ThrowsExactly<ArgumentException>(() => new ViTokAutoEncoder(config));
        StringAssert.Contains(e.Message, "head dimension 45 is odd");
        var small = config with { Encoder = new ViTSize("small", 16, 1, 4) };
        e = Assert.ThrowsExactly<ArgumentException>(() => new ViTokAutoEncoder(small));
        StringAssert.Contains(e.Message, "head dimension 4 cannot carry 3D RoPE");
    }

    [TestMethod]
    public void Inputs_of_the_wrong_shape_are_rejected()
    {
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        using var scope = NewDisposeScope();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.Encode(zeros([1, 3, 1, 20, 16]))).Message, "20x16");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.Encode(zeros(1, 1, 16, 16))).Message, "[1, 1, 16, 16]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.Decode(zeros(1, 5, 4))).Message, "[batch, 4, 4]");
    }

    [TestMethod]
    public void Config_json_round_trips()
    {
        var config = ViTokConfig.FromVariant("S-B/4x8", channels: 12, imageSize: 128, frames: 16, position: PositionEncoding.SinCos);
        var back = ViTokConfig.FromJson(config.ToJson());
        Assert.AreEqual(config, back);
        Assert.AreEqual("S-B/4x8", back.Variant);
    }
}
