using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Layers;

[TestClass]
public sealed class AutocastTests
{
    [TestMethod]
    public void The_residual_stream_stays_fp32_under_bf16_autocast_and_bf16_in_a_bf16_model()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(7);
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        var seen = new List<(string Block, ScalarType DType)>();
        foreach (var (name, module) in model.named_modules())
            if (module is TransformerBlock block)
                block.register_forward_pre_hook((_, x, rope) => { seen.Add((name, x.dtype)); return (x, rope); });
        using var scope = NewDisposeScope();
        var pixels = rand(2, 3, 16, 16);

        using (Autocast.Bf16()) model.forward(pixels).Dispose();
        Assert.IsTrue(seen.Count >= 2, "no block was seen");
        foreach (var (block, dtype) in seen) Assert.AreEqual(ScalarType.Float32, dtype, $"{block} received a {dtype} stream under autocast");

        seen.Clear();
        model.to(ScalarType.BFloat16);
        using (no_grad()) model.forward(pixels.to(ScalarType.BFloat16)).Dispose();
        foreach (var (block, dtype) in seen) Assert.AreEqual(ScalarType.BFloat16, dtype, $"{block} of the bf16 model received {dtype}");
    }
}
