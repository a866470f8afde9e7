using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using ViTok.Models.Onnx;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Onnx;

/// <summary>Builds one-node (or small) ONNX graphs for the tests, and runs models through ONNX Runtime.</summary>
static class TestGraph
{
    public static OnnxValueInfo Float(string name, params long[] shape) => new(name, OnnxDataType.Float, shape.Select(d => (long?)d).ToList());

    /// <summary>A model of one node: float inputs (graph inputs), constant initializers, float outputs of given shapes.</summary>
    public static OnnxModel Node(string op, OnnxValueInfo[] inputs, OnnxTensor[] initializers, OnnxValueInfo[] outputs,
        OnnxAttribute[]? attributes = null, long opset = 13, string[]? nodeInputs = null)
    {
        var node = new OnnxNode("n0", op, nodeInputs ?? [.. inputs.Select(i => i.Name), .. initializers.Select(t => t.Name)],
            outputs.Select(o => o.Name).ToList(), attributes ?? []);
        return Graph([node], inputs, initializers, outputs, opset);
    }

    public static OnnxModel Graph(OnnxNode[] nodes, OnnxValueInfo[] inputs, OnnxTensor[] initializers, OnnxValueInfo[] outputs, long opset = 13) =>
        new(new OnnxGraph("test", nodes, initializers, inputs, outputs), [new OnnxOpset("", opset)], IrVersion: 7, ProducerName: "vitok-tests");

    /// <summary>Runs <paramref name="model"/> with ONNX Runtime (CPU) and returns the requested float outputs.</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> RunOrt(OnnxModel model, IReadOnlyDictionary<string, Tensor> inputs, params string[] outputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(OnnxWriter.Serialize(model), options);
        var feeds = inputs.Select(kv =>
        {
            using var cpu = kv.Value.detach().cpu().contiguous().to(ScalarType.Float32);
            return NamedOnnxValue.CreateFromTensor(kv.Key, new DenseTensor<float>(cpu.data<float>().ToArray(), cpu.shape.Select(d => (int)d).ToArray()));
        }).ToList();
        using var results = session.Run(feeds, outputs.Length > 0 ? outputs : model.Graph.Outputs.Select(o => o.Name).ToArray());
        return results.ToDictionary(r => r.Name, r =>
        {
            var t = r.AsTensor<float>();
            return (t.ToArray(), t.Dimensions.ToArray().Select(d => (long)d).ToArray());
        });
    }

    /// <summary>Largest absolute difference relative to the reference's largest magnitude (at least 1).</summary>
    public static double RelativeError(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        double scale = Math.Max(1, expected.Max(v => Math.Abs((double)v)));
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        return worst / scale;
    }

    /// <summary>||expected - actual|| / ||expected||.</summary>
    public static double RelativeNormError(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff += Math.Pow((double)expected[i] - actual[i], 2);
            norm += (double)expected[i] * expected[i];
        }
        return Math.Sqrt(diff / Math.Max(norm, 1e-30));
    }

    public static float[] Floats(Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous().to(ScalarType.Float32);
        return cpu.data<float>().ToArray();
    }
}
