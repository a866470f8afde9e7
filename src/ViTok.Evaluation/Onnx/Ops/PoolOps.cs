using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>MaxPool (1-d to 3-d; dilations, ceil mode, asymmetric pads padded with -infinity; output Y only).</summary>
public sealed class MaxPoolOp : IOnnxOp
{
    readonly SpatialWindow _window;
    readonly bool _ceil;

    MaxPoolOp(SpatialWindow window, bool ceil)
    {
        _window = window;
        _ceil = ceil;
    }

    public static IOnnxOp Create(NodeAttributes a)
    {
        var window = SpatialWindow.Read(a, kernelRequired: true, dilations: true);
        bool ceil = a.Int("ceil_mode", 0) != 0;
        a.Ignore("storage_order");   // only affects the Indices output, which is not produced
        a.OnlyOutputs(1);
        return new MaxPoolOp(window, ceil);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int rank = (int)x.dim() - 2;
        var kernel = _window.Kernel(null);
        var (begin, end) = _window.Pads(x.shape[2..], kernel);
        var strides = _window.Strides(rank);
        var dilations = _window.Dilations(rank);
        bool torchPads = begin.SequenceEqual(end) && begin.Select((p, i) => p <= ((kernel[i] - 1) * dilations[i] + 1) / 2).All(ok => ok);
        using var padded = torchPads ? null : SpatialWindow.PadExplicitly(x, begin, end, double.NegativeInfinity);
        var input = padded ?? x;
        var padding = torchPads ? begin : new long[rank];
        return [Pool.Spatial(input, rank, (t, r) => r == 3
            ? nn.functional.max_pool3d(t, kernel, strides, padding, dilations, _ceil)
            : nn.functional.max_pool2d(t, Pool.To2d(kernel, r, 1), Pool.To2d(strides, r, 1), Pool.To2d(padding, r, 0), Pool.To2d(dilations, r, 1), _ceil))];
    }
}

/// <summary>AveragePool (1-d to 3-d; ceil mode, count_include_pad, asymmetric pads).</summary>
public sealed class AveragePoolOp : IOnnxOp
{
    readonly SpatialWindow _window;
    readonly bool _ceil, _countPads;

    AveragePoolOp(SpatialWindow window, bool ceil, bool countPads)
    {
        _window = window;
        _ceil = ceil;
        _countPads = countPads;
    }

    public static IOnnxOp Create(NodeAttributes a)
    {
        var window = SpatialWindow.Read(a, kernelRequired: true, dilations: true);
        if (window.HasDilation) throw a.Unsupported("dilations other than 1 are not supported for AveragePool");
        bool ceil = a.Int("ceil_mode", 0) != 0;
        bool countPads = a.Int("count_include_pad", 0) != 0;
        a.OnlyOutputs(1);
        return new AveragePoolOp(window, ceil, countPads);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int rank = (int)x.dim() - 2;
        var kernel = _window.Kernel(null);
        var (begin, end) = _window.Pads(x.shape[2..], kernel);
        var strides = _window.Strides(rank);
        if (SpatialWindow.AllZero(begin) && SpatialWindow.AllZero(end)) return [Average(x, rank, kernel, strides)];

        // Pads are applied explicitly; when they must not count, divide by the pooled share of real pixels.
        using var padded = SpatialWindow.PadExplicitly(x, begin, end, 0);
        if (_countPads) return [Average(padded, rank, kernel, strides)];
        using var sums = Average(padded, rank, kernel, strides);
        using var ones = torch.ones([1, 1, .. x.shape[2..]], x.dtype, x.device);
        using var mask = SpatialWindow.PadExplicitly(ones, begin, end, 0);
        using var share = Average(mask, rank, kernel, strides);
        return [sums / share];
    }

    Tensor Average(Tensor x, int rank, long[] kernel, long[] strides) => Pool.Spatial(x, rank, (t, r) => r == 3
        ? nn.functional.avg_pool3d(t, kernel, strides, new long[3], _ceil, count_include_pad: true)
        : nn.functional.avg_pool2d(t, Pool.To2d(kernel, r, 1), Pool.To2d(strides, r, 1), new long[2], _ceil, count_include_pad: true));
}

/// <summary>GlobalAveragePool and GlobalMaxPool: reduce every spatial dimension, keeping it as size 1.</summary>
public sealed class GlobalPoolOp(bool max) : IOnnxOp
{
    public static IOnnxOp CreateAverage(NodeAttributes a) { a.OnlyOutputs(1); return new GlobalPoolOp(false); }
    public static IOnnxOp CreateMax(NodeAttributes a) { a.OnlyOutputs(1); return new GlobalPoolOp(true); }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        long[] dims = Enumerable.Range(2, (int)x.dim() - 2).Select(d => (long)d).ToArray();
        if (!max) return [x.mean(dims, keepdim: true)];
        using var flat = x.flatten(2);
        var (values, indices) = flat.max(2, keepdim: true);
        indices.Dispose();
        using (values) return [values.reshape([.. x.shape[..2], .. dims.Select(_ => 1L)])];
    }
}

/// <summary>Runs 1-d pooling as 2-d (a height of 1); 2-d and 3-d as they are.</summary>
static class Pool
{
    public static Tensor Spatial(Tensor x, int rank, Func<Tensor, int, Tensor> pool)
    {
        if (rank is < 1 or > 3) throw new NotSupportedException($"Pooling a {rank}-d input is not supported (1-d to 3-d).");
        if (rank != 1) return pool(x, rank);
        using var x2 = x.unsqueeze(2);
        using var y = pool(x2, 1);
        return y.squeeze(2);
    }

    /// <summary>A 1-d window as 2-d (height 1), or a 2-d window unchanged.</summary>
    public static long[] To2d(long[] values, int rank, long fill) => rank == 1 ? [fill, values[0]] : values;
}
