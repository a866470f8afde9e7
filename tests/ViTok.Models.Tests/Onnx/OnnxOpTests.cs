using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using A = ViTok.Models.Onnx.OnnxAttribute;

namespace ViTok.Models.Tests.Onnx;

/// <summary>
/// Each operator the executor supports, in small graphs built here, against ONNX Runtime on the same random inputs
/// (float32; agreement within 1e-5 of the output's scale).
/// </summary>
[TestClass]
public sealed class OnnxOpTests
{
    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(7);
    }

    static OnnxTensor Weight(string name, params long[] shape)
    {
        using var t = randn(shape) * 0.5f;
        return OnnxTensor.FromTorch(name, t);
    }

    static OnnxValueInfo In(string name, params long[] shape) => TestGraph.Float(name, shape);

    /// <summary>One case: the model and its input shapes (inputs are random normal, made positive where the op needs it).</summary>
    static (OnnxModel Model, Dictionary<string, long[]> Inputs, bool Positive) Case(string name)
    {
        var x4 = In("x", 2, 3, 9, 10);
        OnnxModel One(string op, OnnxTensor[] inits, long[] outShape, A[]? attrs = null, long opset = 13, OnnxValueInfo[]? inputs = null, string[]? nodeInputs = null) =>
            TestGraph.Node(op, inputs ?? [x4], inits, [In("y", outShape)], attrs, opset, nodeInputs);
        var x = new Dictionary<string, long[]> { ["x"] = [2, 3, 9, 10] };
        return name switch
        {
            "Conv" => (One("Conv", [Weight("w", 4, 3, 3, 3), Weight("b", 4)], [2, 4, 5, 5],
                [A.Of("kernel_shape", 3L, 3L), A.Of("strides", 2L, 2L), A.Of("pads", 1L, 1L, 1L, 1L)]), x, false),
            "Conv asymmetric pads" => (One("Conv", [Weight("w", 4, 3, 3, 3)], [2, 4, 4, 5],
                [A.Of("strides", 2L, 2L), A.Of("pads", 1L, 1L, 0L, 0L)], opset: 8), x, false),
            "Conv groups dilation" => (TestGraph.Node("Conv", [In("x", 1, 4, 9, 9)], [Weight("w", 6, 2, 3, 3), Weight("b", 6)], [In("y", 1, 6, 5, 5)],
                [A.Of("group", 2L), A.Of("dilations", 2L, 2L)]), new() { ["x"] = [1, 4, 9, 9] }, false),
            "Conv SAME_UPPER" => (One("Conv", [Weight("w", 2, 3, 4, 4)], [2, 2, 5, 5], [A.Of("auto_pad", "SAME_UPPER"), A.Of("strides", 2L, 2L)]), x, false),
            "Conv 1d" => (TestGraph.Node("Conv", [In("x", 2, 3, 12)], [Weight("w", 5, 3, 3), Weight("b", 5)], [In("y", 2, 5, 6)],
                [A.Of("strides", new long[] { 2 }), A.Of("pads", 1L, 0L)]), new() { ["x"] = [2, 3, 12] }, false),
            "BatchNormalization" => (One("BatchNormalization",
                [Weight("scale", 3), Weight("bias", 3), Weight("mean", 3), OnnxTensor.FromFloats("var", [3], 0.5f, 1.5f, 2f)], [2, 3, 9, 10],
                [A.Of("epsilon", 1e-3f), A.Of("momentum", 0.9f)], opset: 9), x, false),
            "Relu" or "Sigmoid" or "Tanh" or "Exp" or "Abs" or "Neg" or "Identity" => (One(name, [], [2, 3, 9, 10]), x, false),
            "Sqrt" => (One("Sqrt", [], [2, 3, 9, 10]), x, true),
            "LeakyRelu" => (One("LeakyRelu", [], [2, 3, 9, 10], [A.Of("alpha", 0.2f)]), x, false),
            "Dropout" => (One("Dropout", [], [2, 3, 9, 10], [A.Of("ratio", 0.5f)], opset: 8), x, false),
            "Clip" => (One("Clip", [OnnxTensor.FromFloats("lo", [], -0.3f), OnnxTensor.FromFloats("hi", [], 0.4f)], [2, 3, 9, 10]), x, false),
            "Clip opset 6" => (One("Clip", [], [2, 3, 9, 10], [A.Of("min", -0.3f), A.Of("max", 0.4f)], opset: 6), x, false),
            "MaxPool" => (One("MaxPool", [], [2, 3, 4, 5], [A.Of("kernel_shape", 3L, 3L), A.Of("strides", 2L, 2L), A.Of("pads", 1L, 1L, 0L, 0L)], opset: 8), x, false),
            "MaxPool ceil" => (One("MaxPool", [], [2, 3, 5, 5], [A.Of("kernel_shape", 2L, 2L), A.Of("strides", 2L, 2L), A.Of("ceil_mode", 1L)]), x, false),
            "MaxPool SAME_UPPER" => (One("MaxPool", [], [2, 3, 5, 5], [A.Of("kernel_shape", 3L, 3L), A.Of("strides", 2L, 2L), A.Of("auto_pad", "SAME_UPPER")]), x, false),
            "AveragePool" => (One("AveragePool", [], [2, 3, 5, 5], [A.Of("kernel_shape", 3L, 3L), A.Of("strides", 2L, 2L), A.Of("pads", 1L, 1L, 1L, 1L)]), x, false),
            "AveragePool count pads" => (One("AveragePool", [], [2, 3, 4, 5],
                [A.Of("kernel_shape", 3L, 3L), A.Of("strides", 2L, 2L), A.Of("pads", 1L, 1L, 0L, 0L), A.Of("count_include_pad", 1L)]), x, false),
            "AveragePool 7x7" => (TestGraph.Node("AveragePool", [In("x", 2, 3, 7, 7)], [], [In("y", 2, 3, 1, 1)],
                [A.Of("kernel_shape", 7L, 7L), A.Of("strides", 1L, 1L), A.Of("pads", 0L, 0L, 0L, 0L), A.Of("count_include_pad", 0L)], opset: 8), new() { ["x"] = [2, 3, 7, 7] }, false),
            "GlobalAveragePool" or "GlobalMaxPool" => (One(name, [], [2, 3, 1, 1]), x, false),
            "Add" or "Sub" or "Mul" => (One(name, [Weight("b", 3, 1, 10)], [2, 3, 9, 10]), x, false),
            "Div" => (One("Div", [OnnxTensor.FromFloats("b", [1, 3, 1, 1], 0.5f, -2f, 4f)], [2, 3, 9, 10]), x, false),
            "Pow" => (One("Pow", [OnnxTensor.FromFloats("b", [], 2f)], [2, 3, 9, 10]), x, false),
            "Sum" => (One("Sum", [Weight("b", 10), Weight("c", 3, 9, 10)], [2, 3, 9, 10], opset: 8), x, false),
            "Concat" => (One("Concat", [Weight("b", 2, 2, 9, 10)], [2, 5, 9, 10], [A.Of("axis", 1L)]), x, false),
            "Split" => (TestGraph.Node("Split", [x4], [OnnxTensor.FromInt64s("s", [2], 1, 2)], [In("y", 2, 1, 9, 10), In("z", 2, 2, 9, 10)], [A.Of("axis", 1L)]), x, false),
            "Split opset 8" => (TestGraph.Node("Split", [x4], [], [In("y", 2, 3, 4, 10), In("z", 2, 3, 5, 10)], [A.Of("axis", 2L), A.Of("split", 4L, 5L)], opset: 8), x, false),
            "Gemm" => (TestGraph.Node("Gemm", [In("x", 4, 6)], [Weight("w", 5, 6), Weight("c", 5)], [In("y", 4, 5)],
                [A.Of("transB", 1L), A.Of("alpha", 0.5f), A.Of("beta", 2f)]), new() { ["x"] = [4, 6] }, false),
            "Gemm transA" => (TestGraph.Node("Gemm", [In("x", 6, 4)], [Weight("w", 6, 5)], [In("y", 4, 5)], [A.Of("transA", 1L)]), new() { ["x"] = [6, 4] }, false),
            "MatMul" => (One("MatMul", [Weight("w", 10, 4)], [2, 3, 9, 4]), x, false),
            "Flatten" => (One("Flatten", [], [6, 90], [A.Of("axis", 2L)]), x, false),
            "Reshape" => (One("Reshape", [OnnxTensor.FromInt64s("s", [3], 0, -1, 10)], [2, 27, 10]), x, false),
            "Transpose" => (One("Transpose", [], [9, 2, 10, 3], [A.Of("perm", 2L, 0L, 3L, 1L)]), x, false),
            "Pad" => (One("Pad", [OnnxTensor.FromInt64s("p", [8], 0, 0, 1, 2, 0, 0, 3, 0), OnnxTensor.FromFloats("v", [], 0.5f)], [2, 3, 13, 12]), x, false),
            "Pad reflect" => (One("Pad", [OnnxTensor.FromInt64s("p", [8], 0, 0, 2, 1, 0, 0, 1, 3)], [2, 3, 12, 14], [A.Of("mode", "reflect")]), x, false),
            "Pad edge opset 2" => (One("Pad", [], [2, 3, 12, 14], [A.Of("mode", "edge"), A.Of("pads", 0L, 0L, 2L, 1L, 0L, 0L, 1L, 3L)], opset: 2), x, false),
            "Softmax" => (One("Softmax", [], [2, 3, 9, 10], [A.Of("axis", 1L)]), x, false),
            "Softmax opset 11" => (One("Softmax", [], [2, 3, 9, 10], opset: 11), x, false),
            "LogSoftmax" => (One("LogSoftmax", [], [2, 3, 9, 10]), x, false),
            "ReduceMean" => (One("ReduceMean", [], [2, 1, 9, 1], [A.Of("axes", 1L, 3L)]), x, false),
            "ReduceSum" => (One("ReduceSum", [OnnxTensor.FromInt64s("axes", [1], -1)], [2, 3, 9], [A.Of("keepdims", 0L)]), x, false),
            "Unsqueeze" => (One("Unsqueeze", [OnnxTensor.FromInt64s("axes", [2], 0, -1)], [1, 2, 3, 9, 10, 1]), x, false),
            "Squeeze" => (TestGraph.Node("Squeeze", [In("x", 2, 1, 9, 1)], [OnnxTensor.FromInt64s("axes", [1], 3)], [In("y", 2, 1, 9)]), new() { ["x"] = [2, 1, 9, 1] }, false),
            "Cast" => (One("Cast", [], [2, 3, 9, 10], [A.Of("to", (long)OnnxDataType.Float)]), x, false),
            "Constant" => (TestGraph.Graph(
                [new OnnxNode("c", "Constant", [], ["k"], [A.Of("value", Weight("k", 10))]), new OnnxNode("add", "Add", ["x", "k"], ["y"], [])],
                [x4], [], [In("y", 2, 3, 9, 10)]), x, false),
            // The shape arithmetic exporters emit for flatten: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
            "Shape Gather Unsqueeze Concat" => (TestGraph.Graph(
                [
                    new OnnxNode("shape", "Shape", ["x"], ["s"], []),
                    new OnnxNode("gather", "Gather", ["s", "zero"], ["n"], [A.Of("axis", 0L)]),
                    new OnnxNode("unsq", "Unsqueeze", ["n", "axes"], ["n1"], []),
                    new OnnxNode("concat", "Concat", ["n1", "minus1"], ["target"], [A.Of("axis", 0L)]),
                    new OnnxNode("reshape", "Reshape", ["x", "target"], ["y"], []),
                ],
                [x4], [OnnxTensor.FromInt64s("zero", [], 0), OnnxTensor.FromInt64s("axes", [1], 0), OnnxTensor.FromInt64s("minus1", [1], -1)], [In("y", 2, 270)]), x, false),
            _ => throw new ArgumentException(name),
        };
    }

    [TestMethod]
    [DataRow("Conv"), DataRow("Conv asymmetric pads"), DataRow("Conv groups dilation"), DataRow("Conv SAME_UPPER"), DataRow("Conv 1d")]
    [DataRow("BatchNormalization")]
    [DataRow("Relu"), DataRow("LeakyRelu"), DataRow("Sigmoid"), DataRow("Tanh"), DataRow("Sqrt"), DataRow("Exp"), DataRow("Abs"), DataRow("Neg")]
    [DataRow("Identity"), DataRow("Dropout"), DataRow("Clip"), DataRow("Clip opset 6")]
    [DataRow("MaxPool"), DataRow("MaxPool ceil"), DataRow("MaxPool SAME_UPPER")]
    [DataRow("AveragePool"), DataRow("AveragePool count pads"), DataRow("AveragePool 7x7"), DataRow("GlobalAveragePool"), DataRow("GlobalMaxPool")]
    [DataRow("Add"), DataRow("Sub"), DataRow("Mul"), DataRow("Div"), DataRow("Pow"), DataRow("Sum")]
    [DataRow("Concat"), DataRow("Split"), DataRow("Split opset 8"), DataRow("Gemm"), DataRow("Gemm transA"), DataRow("MatMul")]
    [DataRow("Flatten"), DataRow("Reshape"), DataRow("Transpose"), DataRow("Pad"), DataRow("Pad reflect"), DataRow("Pad edge opset 2")]
    [DataRow("Softmax"), DataRow("Softmax opset 11"), DataRow("LogSoftmax"), DataRow("ReduceMean"), DataRow("ReduceSum")]
    [DataRow("Unsqueeze"), DataRow("Squeeze"), DataRow("Cast"), DataRow("Constant"), DataRow("Shape Gather Unsqueeze Concat")]
    public void Op_matches_onnx_runtime(string name)
    {
        var (model, shapes, positive) = Case(name);
        using var scope = NewDisposeScope();
        var inputs = shapes.ToDictionary(kv => kv.Key, kv => positive ? rand(kv.Value) + 0.1f : randn(kv.Value));
        var outputs = model.Graph.Outputs.Select(o => o.Name).ToArray();
        var expected = TestGraph.RunOrt(model, inputs, outputs);
        using var module = OnnxModule.FromModel(model, name);
        var actual = module.Run(inputs, outputs);
        foreach (string output in outputs)
        {
            CollectionAssert.AreEqual(expected[output].Shape, actual[output].shape, $"{name}: shape of '{output}'");
            double error = TestGraph.RelativeError(expected[output].Data, TestGraph.Floats(actual[output]));
            Assert.IsLessThan(1e-5, error, $"{name}: '{output}' differs from ONNX Runtime by {error:g3} (relative)");
        }
    }
}
