using TorchSharp;
using ViTok.Models.Losses;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using ViTok.Models.Tests.Onnx;
using ViTok.Models.Weights;
using static TorchSharp.torch;
using A = ViTok.Models.Onnx.OnnxAttribute;

namespace ViTok.Models.Tests.Losses;

[TestClass]
public sealed class PerceptualLossTests
{
    static PerceptualLoss? _resnet;
    static PerceptualLoss ResNet => _resnet ??= PerceptualLoss.ResNet18();

    [ClassCleanup]
    public static void Cleanup() => _resnet?.Dispose();

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(9);
    }

    [TestMethod]
    public void ResNet18_perceptual_is_zero_for_identical_images_and_has_gradients()
    {
        Assert.AreEqual("ResNet18 perceptual", ResNet.Label);
        using var scope = NewDisposeScope();
        var x = rand(2, 3, 64, 64) * 2 - 1;
        var same = ResNet.forward(x, x.clone());
        CollectionAssert.AreEqual(new long[] { 2 }, same.shape);
        Assert.AreEqual(0f, same.abs().max().item<float>());

        var y = (x + randn(2, 3, 64, 64) * 0.2f).clamp(-1, 1).requires_grad_();
        var loss = ResNet.forward(x, y);
        Assert.IsTrue(loss.min().item<float>() > 0);
        loss.sum().backward();
        var grad = y.grad!;
        Assert.IsFalse(grad.isnan().any().item<bool>());
        Assert.IsGreaterThan(0f, grad.abs().sum().item<float>());
        Assert.IsTrue(ResNet.parameters().All(p => !p.requires_grad) && ResNet.buffers().All(b => b.grad is null), "the network stays frozen");

        // More noise, larger distance.
        using (no_grad())
        {
            var far = (x + randn(2, 3, 64, 64) * 0.6f).clamp(-1, 1);
            Assert.IsTrue((ResNet.forward(x, far) > loss.detach()).all().item<bool>());
        }
    }

    /// <summary>Tiny VGG-like graph: conv-relu-maxpool twice (taps: the two Relus feeding a MaxPool).</summary>
    static OnnxModel TinyVgg(Tensor w1, Tensor w2) => TestGraph.Graph(
        [
            new OnnxNode("c1", "Conv", ["x", "w1"], ["a1"], [A.Of("pads", 1L, 1L, 1L, 1L)]),
            new OnnxNode("r1", "Relu", ["a1"], ["relu1"], []),
            new OnnxNode("p1", "MaxPool", ["relu1"], ["m1"], [A.Of("kernel_shape", 2L, 2L), A.Of("strides", 2L, 2L)]),
            new OnnxNode("c2", "Conv", ["m1", "w2"], ["a2"], [A.Of("pads", 1L, 1L, 1L, 1L)]),
            new OnnxNode("r2", "Relu", ["a2"], ["relu2"], []),
            new OnnxNode("p2", "MaxPool", ["relu2"], ["m2"], [A.Of("kernel_shape", 2L, 2L), A.Of("strides", 2L, 2L)]),
        ],
        [TestGraph.Float("x", 1, 3, 16, 16)], [OnnxTensor.FromTorch("w1", w1), OnnxTensor.FromTorch("w2", w2)], [TestGraph.Float("m2", 1, 6, 4, 4)]);

    [TestMethod]
    public void Vgg16_with_lpips_weights_follows_the_lpips_formula()
    {
        using var scope = NewDisposeScope();
        var w1 = randn(4, 3, 3, 3) * 0.5f;
        var w2 = randn(6, 4, 3, 3) * 0.5f;
        var lin0 = rand(1, 4, 1, 1);
        var lin1 = rand(1, 6, 1, 1);
        string dir = Path.Combine(Path.GetTempPath(), $"vitok-lpips-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string onnx = Path.Combine(dir, "vgg16.onnx"), weights = Path.Combine(dir, "lpips_vgg.safetensors");
            OnnxWriter.Write(TinyVgg(w1, w2), onnx);
            SafeTensorsFile.Write(weights, [("lin0.model.1.weight", lin0), ("lin1.model.1.weight", lin1)]);
            using var lpips = PerceptualLoss.Vgg16(onnx, weights);
            using var uniform = PerceptualLoss.Vgg16(onnx);
            Assert.AreEqual("LPIPS-VGG", lpips.Label);
            Assert.AreEqual("VGG16 perceptual", uniform.Label);

            var x = rand(2, 3, 16, 16) * 2 - 1;
            var y = rand(2, 3, 16, 16) * 2 - 1;
            // LPIPS written out directly: scaling layer, the two conv-relu stages, unit-normalise, weight, spatial mean, sum.
            Tensor Expected(Tensor? l0, Tensor? l1)
            {
                Tensor Scale(Tensor t) => (t - tensor(new[] { -0.030f, -0.088f, -0.188f }).view(1, 3, 1, 1)) / tensor(new[] { 0.458f, 0.448f, 0.450f }).view(1, 3, 1, 1);
                (Tensor, Tensor) Taps(Tensor t)
                {
                    var r1 = nn.functional.conv2d(Scale(t), w1, padding: [1, 1]).relu();
                    var r2 = nn.functional.conv2d(nn.functional.max_pool2d(r1, [2, 2], [2, 2]), w2, padding: [1, 1]).relu();
                    return (r1, r2);
                }
                Tensor Norm(Tensor f) => f / (f.pow(2).sum(1, keepdim: true).sqrt() + 1e-10);
                var (x1, x2) = Taps(x);
                var (y1, y2) = Taps(y);
                var d1 = (Norm(x1) - Norm(y1)).pow(2);
                var d2 = (Norm(x2) - Norm(y2)).pow(2);
                return (l0 is null ? d1.sum(1) : (d1 * l0).sum(1)).mean([1, 2]) + (l1 is null ? d2.sum(1) : (d2 * l1).sum(1)).mean([1, 2]);
            }
            Assert.IsLessThan(1e-5f, (lpips.forward(x, y) - Expected(lin0, lin1)).abs().max().item<float>());
            Assert.IsLessThan(1e-5f, (uniform.forward(x, y) - Expected(null, null)).abs().max().item<float>());
            Assert.AreEqual(0f, lpips.forward(x, x.clone()).abs().max().item<float>());

            var yg = y.clone().requires_grad_();
            lpips.forward(x, yg).sum().backward();
            Assert.IsGreaterThan(0f, yg.grad!.abs().sum().item<float>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void A_complete_lpips_graph_is_used_as_given()
    {
        // Stand-in for an exported LPIPS: two image inputs, distance = mean squared difference per image.
        var model = TestGraph.Graph(
            [
                new OnnxNode("sub", "Sub", ["in0", "in1"], ["d"], []),
                new OnnxNode("sq", "Mul", ["d", "d"], ["d2"], []),
                new OnnxNode("mean", "ReduceMean", ["d2"], ["dist"], [A.Of("axes", 1L, 2L, 3L), A.Of("keepdims", 0L)]),
            ],
            [TestGraph.Float("in0", 2, 3, 8, 8), TestGraph.Float("in1", 2, 3, 8, 8)], [], [TestGraph.Float("dist", 2)]);
        string path = Path.Combine(Path.GetTempPath(), $"vitok-lpips-graph-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxWriter.Write(model, path);
            using var loss = PerceptualLoss.LpipsOnnx(path);
            Assert.AreEqual("LPIPS (ONNX)", loss.Label);
            using var scope = NewDisposeScope();
            var x = randn(2, 3, 8, 8);
            var y = randn(2, 3, 8, 8).requires_grad_();
            var d = loss.forward(x, y);
            Assert.IsLessThan(1e-6f, (d - (x - y).pow(2).mean([1, 2, 3])).abs().max().item<float>());
            d.sum().backward();
            Assert.IsGreaterThan(0f, y.grad!.abs().sum().item<float>());
            Assert.AreEqual(0f, loss.forward(x, x.clone()).abs().max().item<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
