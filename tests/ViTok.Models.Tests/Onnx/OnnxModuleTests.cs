using TorchSharp;
using ViTok.Models.Onnx;
using ViTok.Models.Onnx.Ops;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using A = ViTok.Models.Onnx.OnnxAttribute;

namespace ViTok.Models.Tests.Onnx;

[TestClass]
public sealed class OnnxModuleTests
{
    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(11);
    }

    static OnnxTensor Weight(string name, params long[] shape)
    {
        using var t = randn(shape) * 0.5f;
        return OnnxTensor.FromTorch(name, t);
    }

    /// <summary>x -> Conv -> BatchNormalization -> Relu -> MaxPool -> GlobalAveragePool -> Flatten -> Gemm.</summary>
    static OnnxModel SmallNet() => TestGraph.Graph(
        [
            new OnnxNode("conv", "Conv", ["x", "w", "b"], ["c"], [A.Of("pads", 1L, 1L, 1L, 1L)]),
            new OnnxNode("bn", "BatchNormalization", ["c", "s", "o", "m", "v"], ["n"], []),
            new OnnxNode("relu", "Relu", ["n"], ["r"], []),
            new OnnxNode("pool", "MaxPool", ["r"], ["p"], [A.Of("kernel_shape", 2L, 2L), A.Of("strides", 2L, 2L)]),
            new OnnxNode("gap", "GlobalAveragePool", ["p"], ["g"], []),
            new OnnxNode("flat", "Flatten", ["g"], ["f"], []),
            new OnnxNode("fc", "Gemm", ["f", "fw", "fb"], ["logits"], [A.Of("transB", 1L)]),
        ],
        [TestGraph.Float("x", 2, 3, 8, 8)],
        [Weight("w", 4, 3, 3, 3), Weight("b", 4), Weight("s", 4), Weight("o", 4), Weight("m", 4), OnnxTensor.FromFloats("v", [4], 1, 2, 0.5f, 1), Weight("fw", 5, 4), Weight("fb", 5)],
        [TestGraph.Float("logits", 2, 5)]);

    [TestMethod]
    public void Writer_and_reader_round_trip_every_field_we_use()
    {
        var model = SmallNet();
        var back = OnnxReader.Parse(OnnxWriter.Serialize(model));
        Assert.AreEqual(13, back.DefaultOpset);
        Assert.AreEqual("vitok-tests", back.ProducerName);
        Assert.HasCount(model.Graph.Nodes.Count, back.Graph.Nodes);
        for (int i = 0; i < model.Graph.Nodes.Count; i++)
        {
            var (a, b) = (model.Graph.Nodes[i], back.Graph.Nodes[i]);
            Assert.AreEqual(a.OpType, b.OpType);
            CollectionAssert.AreEqual(a.Inputs.ToArray(), b.Inputs.ToArray());
            CollectionAssert.AreEqual(a.Outputs.ToArray(), b.Outputs.ToArray());
            Assert.HasCount(a.Attributes.Count, b.Attributes);
            for (int j = 0; j < a.Attributes.Count; j++)
            {
                Assert.AreEqual(a.Attributes[j].Type, b.Attributes[j].Type);
                CollectionAssert.AreEqual(a.Attributes[j].Ints, b.Attributes[j].Ints);
                Assert.AreEqual(a.Attributes[j].Int, b.Attributes[j].Int);
            }
        }
        for (int i = 0; i < model.Graph.Initializers.Count; i++)
        {
            CollectionAssert.AreEqual(model.Graph.Initializers[i].Dims, back.Graph.Initializers[i].Dims);
            CollectionAssert.AreEqual(model.Graph.Initializers[i].Data, back.Graph.Initializers[i].Data);
        }
        Assert.AreEqual("x: Float[2, 3, 8, 8]", back.Graph.Inputs[0].ToString());
    }

    [TestMethod]
    public void Corrupt_files_are_reported_with_the_file_name()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vitok-corrupt-{Guid.NewGuid():N}.onnx");
        try
        {
            byte[] bytes = OnnxWriter.Serialize(SmallNet());
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxReader.Read(path));
            StringAssert.Contains(e.Message, path);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.ThrowsExactly<FileNotFoundException>(() => OnnxReader.Read("/nonexistent/model.onnx"));
    }

    [TestMethod]
    public void Unsupported_ops_and_attributes_are_all_named_at_load()
    {
        var model = TestGraph.Graph(
            [
                new OnnxNode("up", "Resize", ["x"], ["r"], []),
                new OnnxNode("conv", "Conv", ["r", "w"], ["c"], [A.Of("kernel_shape", 1L, 1L), A.Of("fancy_mode", 3L)]),
                new OnnxNode("bn", "BatchNormalization", ["c", "s", "s", "s", "s"], ["n"], [A.Of("training_mode", 1L)]),
                new OnnxNode("custom", "FusedThing", ["n"], ["y"], [], Domain: "com.microsoft"),
            ],
            [TestGraph.Float("x", 1, 3, 4, 4)], [Weight("w", 2, 3, 1, 1), Weight("s", 2)], [TestGraph.Float("y", 1, 2, 4, 4)]);
        var e = Assert.ThrowsExactly<OnnxUnsupportedException>(() => OnnxModule.FromModel(model, "broken.onnx"));
        StringAssert.Contains(e.Message, "broken.onnx");
        StringAssert.Contains(e.Message, "Resize node 'up': operator 'Resize' is not supported");
        StringAssert.Contains(e.Message, "Conv node 'conv': attribute 'fancy_mode' not supported");
        StringAssert.Contains(e.Message, "BatchNormalization node 'bn': training_mode=1 is not supported");
        StringAssert.Contains(e.Message, "domain 'com.microsoft'");
    }

    [TestMethod]
    public void Dangling_inputs_are_reported_at_load()
    {
        var model = TestGraph.Graph([new OnnxNode("add", "Add", ["x", "nowhere"], ["y"], [])],
            [TestGraph.Float("x", 2)], [], [TestGraph.Float("y", 2)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxModule.FromModel(model));
        StringAssert.Contains(e.Message, "'nowhere'");
    }

    [TestMethod]
    public void Any_intermediate_value_can_be_tapped_and_only_needed_nodes_run()
    {
        using var module = OnnxModule.FromModel(SmallNet());
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 8, 8);
        CollectionAssert.AreEqual(new[] { "c", "n", "r", "p", "g", "f", "logits" }, module.Values.ToArray());
        var all = module.Run(new Dictionary<string, Tensor> { ["x"] = x }, "r", "logits");
        CollectionAssert.AreEqual(new long[] { 2, 4, 8, 8 }, all["r"].shape);
        CollectionAssert.AreEqual(new long[] { 2, 5 }, all["logits"].shape);
        Assert.IsGreaterThanOrEqualTo(0f, all["r"].min().item<float>() * -1, "relu output is non-negative");
        Assert.AreEqual(0f, (module.forward(x) - all["logits"]).abs().max().item<float>());
        // A tap before the pool needs no Gemm weights, and the input tensor survives the run.
        var early = module.Run(new Dictionary<string, Tensor> { ["x"] = x }, "c");
        CollectionAssert.AreEqual(new long[] { 2, 4, 8, 8 }, early["c"].shape);
        Assert.AreEqual(2L * 3 * 8 * 8, x.numel());
        Assert.ThrowsExactly<ArgumentException>(() => module.Run(new Dictionary<string, Tensor> { ["x"] = x }, "no-such-value"));
        Assert.ThrowsExactly<ArgumentException>(() => module.Run(new Dictionary<string, Tensor> { ["y"] = x }));
    }

    [TestMethod]
    public void Initializers_are_frozen_buffers_and_gradients_reach_the_input()
    {
        using var module = OnnxModule.FromModel(SmallNet());
        Assert.IsEmpty(module.parameters().ToList());
        Assert.HasCount(8, module.buffers().ToList());
        Assert.IsTrue(module.buffers().All(b => !b.requires_grad));

        // float64: autograd against central finite differences.
        module.to(ScalarType.Float64);
        using var scope = NewDisposeScope();
        var x = randn([1, 3, 8, 8], ScalarType.Float64).requires_grad_();
        var direction = randn([1, 5], ScalarType.Float64);
        (module.forward(x) * direction).sum().backward();
        var grad = x.grad!;
        Assert.IsGreaterThan(0, grad.abs().sum().item<double>());
        var probe = randn([1, 3, 8, 8], ScalarType.Float64);
        using (no_grad())
        {
            const double h = 1e-6;
            double plus = (module.forward(x + probe * h) * direction).sum().item<double>();
            double minus = (module.forward(x - probe * h) * direction).sum().item<double>();
            double numeric = (plus - minus) / (2 * h);
            double analytic = (grad * probe).sum().item<double>();
            Assert.AreEqual(numeric, analytic, 1e-6 * Math.Max(1, Math.Abs(numeric)));
        }
    }

    [TestMethod]
    public void Runs_under_no_grad_and_in_bfloat16()
    {
        using var module = OnnxModule.FromModel(SmallNet());
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 8, 8);
        Tensor reference;
        using (no_grad())
        {
            reference = module.forward(x.requires_grad_());
            Assert.IsFalse(reference.requires_grad);
        }
        module.to(ScalarType.BFloat16);
        Assert.AreEqual(ScalarType.BFloat16, module.FloatType);
        var y = module.forward(x.detach().to(ScalarType.BFloat16));
        Assert.AreEqual(ScalarType.BFloat16, y.dtype);
        double error = (y.to(ScalarType.Float32) - reference).abs().max().item<float>() / Math.Max(1, reference.abs().max().item<float>());
        Assert.IsLessThan(0.05, error);
    }

    [TestMethod]
    [DataRow(4L, 1L), DataRow(16L, 1L), DataRow(24L, 1L), DataRow(8L, 2L)]
    public void Bfloat16_convolution_sums_every_tap(long outChannels, long groups)
    {
        // libtorch 2.10's CPU bf16 convolution drops taps when the output channels are not a multiple of 16; ConvOp works around it.
        var model = TestGraph.Node("Conv", [TestGraph.Float("x", 1, 4, 5, 5)], [OnnxTensor.FromTorch("w", ones(outChannels, 4 / groups, 3, 3))],
            [TestGraph.Float("y", 1, outChannels, 3, 3)], [A.Of("group", groups)]);
        using var module = OnnxModule.FromModel(model);
        module.to(ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        var y = module.forward(ones([1, 4, 5, 5], ScalarType.BFloat16)).to(ScalarType.Float32);
        Assert.AreEqual(9f * 4 / groups, y.min().item<float>());
        Assert.AreEqual(9f * 4 / groups, y.max().item<float>());
    }

    [TestMethod]
    public void Legacy_broadcast_aligns_at_the_axis()
    {
        // Opset 6 Add with broadcast=1, axis=1: B [3] lines up with A's channel axis (ONNX Runtime has no Add-6 kernel to compare with).
        var model = TestGraph.Node("Add", [TestGraph.Float("x", 2, 3, 4, 5)], [OnnxTensor.FromFloats("b", [3], 1, 2, 3)], [TestGraph.Float("y", 2, 3, 4, 5)],
            [A.Of("broadcast", 1L), A.Of("axis", 1L)], opset: 6);
        using var module = OnnxModule.FromModel(model);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 4, 5);
        var expected = x + tensor(new float[] { 1, 2, 3 }).view(1, 3, 1, 1);
        Assert.AreEqual(0f, (module.forward(x) - expected).abs().max().item<float>());
    }
}
