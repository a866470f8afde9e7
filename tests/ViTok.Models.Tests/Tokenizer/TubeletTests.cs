using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Tokenizer;

[TestClass]
public sealed class TubeletTests
{
    [TestMethod]
    public void Reshape_and_matmul_equal_the_3d_convolutions()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(2);
        using var scope = NewDisposeScope();
        using var conv = nn.Conv3d(3, 24, kernel_size: (2, 4, 4), stride: (2, 4, 4));
        using var deconv = nn.ConvTranspose3d(24, 3, kernel_size: (2, 4, 4), stride: (2, 4, 4));
        var clip = randn([2, 3, 4, 8, 12]);
        var grid = new TokenGrid(2, 2, 3);
        var expected = conv.forward(clip).flatten(2).transpose(1, 2);
        var actual = Tubelets.Embed(conv, clip, grid);
        Assert.IsTrue(allclose(expected, actual, rtol: 1e-4, atol: 1e-5), "embedding differs from Conv3d");

        var tokens = randn(2, grid.Count, 24);
        var expectedPixels = deconv.forward(tokens.transpose(1, 2).reshape(2, 24, 2, 2, 3));
        var actualPixels = Tubelets.Unembed(deconv, tokens, grid);
        Assert.IsTrue(allclose(expectedPixels, actualPixels, rtol: 1e-4, atol: 1e-5), "unembedding differs from ConvTranspose3d");
    }

    [TestMethod]
    public void Bf16_autocast_keeps_fp32_weights_close_outputs_and_gradients()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(4);
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        using var scope = NewDisposeScope();
        var pixels = rand(2, 3, 16, 16) * 2 - 1;
        Tensor full;
        using (no_grad()) using (var p = model.Encode(pixels)) full = model.Decode(p.Mean);
        Tensor mixed;
        using (Autocast.Bf16())
        {
            using var posterior = model.Encode(pixels);
            mixed = model.Decode(posterior.Mean);
            nn.functional.mse_loss(mixed, pixels.unsqueeze(2)).backward();
        }
        Assert.AreEqual(ScalarType.Float32, mixed.dtype);
        Assert.IsTrue((full - mixed).abs().max().item<float>() < 0.1, "bf16 output far from fp32");
        Assert.IsFalse(allclose(full, mixed, rtol: 0, atol: 0), "autocast did not change the arithmetic");
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.AreEqual(ScalarType.Float32, p.dtype, name);
            Assert.IsNotNull(p.grad, name);
            Assert.AreEqual(ScalarType.Float32, p.grad.dtype, name);
        }
        Assert.IsFalse(Autocast.IsActive);
    }
}
