using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>ReduceMean and ReduceSum over axes (attribute, or second input from opset 13 / 18), keepdims by default.</summary>
public sealed class ReduceOp(bool mean, long[]? fixedAxes, bool keepDims, bool noopWithoutAxes) : IOnnxOp
{
    public static Func<NodeAttributes, IOnnxOp> Factory(bool mean) => a =>
    {
        bool axesAsInput = a.Opset >= (mean ? 18 : 13);
        long[]? axes = axesAsInput ? null : a.Ints("axes");
        bool keep = a.Int("keepdims", 1) != 0;
        bool noop = a.Int("noop_with_empty_axes", 0) != 0;
        a.OnlyOutputs(1);
        return new ReduceOp(mean, axes, keep, noop);
    };

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        long[]? axes = fixedAxes ?? (inputs.Count > 1 && inputs[1] is { } t ? Ints.Read(t) : null);
        if (axes is null || axes.Length == 0)
        {
            if (noopWithoutAxes) return [x.alias()];
            axes = Enumerable.Range(0, (int)x.dim()).Select(d => (long)d).ToArray();
        }
        var dims = axes.Select(d => Ints.Axis(d, x.dim())).ToArray();
        return [mean ? x.mean(dims, keepDims) : x.sum(dims, keepDims)];
    }
}
