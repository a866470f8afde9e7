using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Layers;

[TestClass]
public sealed class RotaryEmbeddingTests
{
    /// <summary>The rotation written out pair by pair: r0 = x0 cos - x1 sin, r1 = x0 sin + x1 cos.</summary>
    static Tensor RealForm(Tensor x, RopeAngles rope)
    {
        var shape = x.shape;
        var pairs = x.reshape([.. shape[..^1], shape[^1] / 2, 2]);
        Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
        Tensor cos = real(rope.Rotation).to(x.dtype), sin = imag(rope.Rotation).to(x.dtype);
        return stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], -1).reshape(shape);
    }

    static RopeAngles Angles(int tokens, int headDim)
    {
        using var positions = PositionAngles.GridPositions(1, 2, tokens / 2);
        return RotaryEmbedding.Create(positions, headDim, 10000);
    }

    [TestMethod]
    public void The_complex_product_equals_the_real_form_with_its_gradients_on_strided_q_and_k()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(11);
        using var scope = NewDisposeScope();
        var rope = Angles(tokens: 8, headDim: 16);
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            // q and k as Attention takes them: slices of a permuted qkv projection (not contiguous, k at an offset).
            var leaf = randn([2, 8, 3, 4, 16], dtype: dtype).requires_grad_(true);
            var parts = leaf.permute(2, 0, 3, 1, 4);                          // [3, B, heads, L, D]
            var weights = randn([2, 4, 8, 16], dtype: dtype);
            foreach (int part in new[] { 0, 1 })
            {
                var x = parts[part];
                var rotated = RotaryEmbedding.Rotate(x, rope);
                rotated.mul(weights).sum().backward();
                var grad = leaf.grad!.clone();
                leaf.grad!.zero_();
                var expected = RealForm(x, rope);
                expected.mul(weights).sum().backward();
                Assert.AreEqual(dtype, rotated.dtype);
                CollectionAssert.AreEqual(x.shape, rotated.shape);
                Assert.IsTrue(allclose(rotated, expected, rtol: 1e-6, atol: 1e-7), $"{dtype}, part {part}: rotations differ");
                Assert.IsTrue(allclose(grad, leaf.grad!, rtol: 1e-6, atol: 1e-7), $"{dtype}, part {part}: gradients differ");
                leaf.grad!.zero_();
            }
        }
    }

    [TestMethod]
    public void Bf16_is_rotated_in_fp32_and_rounded_once()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(12);
        using var scope = NewDisposeScope();
        var rope = Angles(tokens: 8, headDim: 16);
        var x = randn(2, 4, 8, 16).to(ScalarType.BFloat16);
        var rotated = RotaryEmbedding.Rotate(x, rope);
        Assert.AreEqual(ScalarType.BFloat16, rotated.dtype);
        Assert.IsTrue(rotated.eq(RotaryEmbedding.Rotate(x.to(ScalarType.Float32), rope).to(ScalarType.BFloat16)).all().item<bool>());
        // Closer to the exact rotation (fp64) than the real form computed in bf16, where every product and sum rounds.
        var exact = RealForm(x.to(ScalarType.Float64), rope);
        double Error(Tensor r) => (r.to(ScalarType.Float64) - exact).abs().mean().item<double>();
        double once = Error(rotated), everyStep = Error(RealForm(x, rope));
        Assert.IsTrue(once < everyStep, $"mean error {once} rounding once, {everyStep} rounding every step");
    }

    [TestMethod]
    public void Integer_tensors_are_refused()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => RotaryEmbedding.Rotate(zeros([1, 1, 8, 16], dtype: ScalarType.Int32), Angles(8, 16)));
        StringAssert.Contains(e.Message, "Int32");
    }
}
