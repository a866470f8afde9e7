using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>
/// Softmax and LogSoftmax. Before opset 13 the input is viewed as 2-d at axis (default 1) and normalised over the
/// second part; from opset 13 over the single axis (default -1).
/// </summary>
public sealed class SoftmaxOp(long axis, bool coerce2d, bool log) : IOnnxOp
{
    public static Func<NodeAttributes, IOnnxOp> Factory(bool log) => a =>
    {
        bool coerce = a.Opset < 13;
        long axis = a.Int("axis", coerce ? 1 : -1);
        a.OnlyOutputs(1);
        return new SoftmaxOp(axis, coerce, log);
    };

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        long at = Ints.Axis(axis, x.dim());
        if (!coerce2d) return [log ? nn.functional.log_softmax(x, at) : nn.functional.softmax(x, at)];
        long outer = x.shape[..(int)at].Aggregate(1L, (p, d) => p * d);
        using var flat = x.reshape(outer, -1);
        using var y = log ? nn.functional.log_softmax(flat, 1) : nn.functional.softmax(flat, 1);
        return [y.reshape(x.shape)];
    }
}
