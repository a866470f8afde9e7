using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>Conv (1-d, 2-d, 3-d; groups, dilations, strides, symmetric, asymmetric or automatic padding).</summary>
public sealed class ConvOp : IOnnxOp
{
    readonly SpatialWindow _window;
    readonly long _group;

    ConvOp(SpatialWindow window, long group)
    {
        _window = window;
        _group = group;
    }

    public static IOnnxOp Create(NodeAttributes a)
    {
        var window = SpatialWindow.Read(a, kernelRequired: false, dilations: true);
        long group = a.Int("group", 1);
        if (a.Node.Inputs.Count is < 2 or > 3) throw a.Unsupported($"Conv takes 2 or 3 inputs, this node has {a.Node.Inputs.Count}");
        a.OnlyOutputs(1);
        return new ConvOp(window, group);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var w = inputs[1]!;
        var b = inputs.Count > 2 ? inputs[2] : null;
        int rank = (int)x.dim() - 2;
        if (rank is < 1 or > 3) throw new NotSupportedException($"Conv on a {rank}-d input is not supported (1-d to 3-d).");
        long[] kernel = _window.Kernel(w.shape[2..]);
        var (begin, end) = _window.Pads(x.shape[2..], kernel);
        var strides = _window.Strides(rank);
        var dilations = _window.Dilations(rank);
        long[] padding = begin;
        Tensor? padded = null;
        if (!begin.SequenceEqual(end))
        {
            padded = SpatialWindow.PadExplicitly(x, begin, end, 0);
            padding = new long[rank];
        }
        try
        {
            var input = padded ?? x;
            if (NeedsFloat32(input, w))
            {
                // libtorch 2.10's CPU bfloat16 convolution gives wrong sums when the output channels are not a multiple
                // of 16 (a 3x3 kernel of ones over ones yields 1, not 9), so those run in float32 and are rounded back.
                using var x32 = input.to(ScalarType.Float32);
                using var w32 = w.to(ScalarType.Float32);
                using var b32 = b?.to(ScalarType.Float32);
                using var y32 = Convolve(rank, x32, w32, b32, strides, padding, dilations);
                return [y32.to(input.dtype)];
            }
            return [Convolve(rank, input, w, b, strides, padding, dilations)];
        }
        finally
        {
            padded?.Dispose();
        }
    }

    bool NeedsFloat32(Tensor x, Tensor w) =>
        x.dtype == ScalarType.BFloat16 && x.device_type == DeviceType.CPU && (_group != 1 || w.shape[0] % 16 != 0);

    Tensor Convolve(int rank, Tensor input, Tensor w, Tensor? b, long[] strides, long[] padding, long[] dilations)
    {
        return rank switch
        {
            1 => Conv1d(input, w, b, strides[0], padding[0], dilations[0]),
            2 => nn.functional.conv2d(input, w, b, strides, padding, dilations, _group),
            _ => nn.functional.conv3d(input, w, b, strides, padding, dilations, _group),
        };
    }

    Tensor Conv1d(Tensor x, Tensor w, Tensor? b, long stride, long padding, long dilation)
    {
        using var x2 = x.unsqueeze(2);
        using var w2 = w.unsqueeze(2);
        using var y = nn.functional.conv2d(x2, w2, b, [1, stride], [0, padding], [1, dilation], _group);
        return y.squeeze(2);
    }
}
