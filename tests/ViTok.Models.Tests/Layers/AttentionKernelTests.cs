using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Layers;

[TestClass]
public sealed class AttentionKernelTests
{
    [TestMethod]
    public void Plain_attention_equals_the_fused_kernel_with_its_gradients()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(5);
        using var scope = NewDisposeScope();
        Tensor Leaf() => randn(2, 3, 10, 16).requires_grad_(true);
        Tensor q = Leaf(), k = Leaf(), v = Leaf();
        var weights = randn(2, 3, 10, 16);
        var fused = nn.functional.scaled_dot_product_attention(q, k, v);
        fused.mul(weights).sum().backward();
        var fusedGrads = new[] { q, k, v }.Select(t => t.grad!.clone()).ToArray();
        foreach (var t in new[] { q, k, v }) t.grad!.zero_();
        var plain = AttentionKernel.Plain(q, k, v);
        plain.mul(weights).sum().backward();
        Assert.IsTrue(allclose(fused, plain, rtol: 1e-5, atol: 1e-6), "outputs differ");
        for (int i = 0; i < 3; i++)
            Assert.IsTrue(allclose(fusedGrads[i], new[] { q, k, v }[i].grad!, rtol: 1e-4, atol: 1e-6), $"gradient {"qkv"[i]} differs");
    }

    [TestMethod]
    public void Bf16_training_takes_the_plain_form_and_everything_else_the_fused_kernel()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(6);
        using var scope = NewDisposeScope();
        Tensor Input(ScalarType dtype, bool grad) => randn(2, 3, 12, 16).to(dtype).requires_grad_(grad);
        foreach (var (dtype, grad, plainExpected) in new[] { (ScalarType.BFloat16, true, true), (ScalarType.BFloat16, false, false), (ScalarType.Float32, true, false) })
        {
            Tensor q = Input(dtype, grad), k = Input(dtype, grad), v = Input(dtype, grad);
            var attended = AttentionKernel.Attend(q, k, v);
            var plain = AttentionKernel.Plain(q, k, v);
            var fused = nn.functional.scaled_dot_product_attention(q, k, v);
            Assert.AreEqual(dtype, attended.dtype);
            Assert.IsTrue(attended.eq(plainExpected ? plain : fused).all().item<bool>(), $"{dtype}, grad {grad}: expected the {(plainExpected ? "plain" : "fused")} form");
            // The two forms agree to bf16 resolution (8 bits of mantissa: relative 2^-8).
            Assert.IsTrue(allclose(plain.to(ScalarType.Float32), fused.to(ScalarType.Float32), rtol: 0.02, atol: 0.02), $"{dtype}: the forms differ");
        }
    }
}
