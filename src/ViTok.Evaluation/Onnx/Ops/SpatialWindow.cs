using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>
/// The sliding-window attributes shared by Conv, MaxPool and AveragePool: kernel, strides, dilations and padding
/// (explicit begin/end pads or auto_pad), resolved against the input's spatial size at run time.
/// </summary>
public sealed class SpatialWindow
{
    readonly long[]? _kernel, _strides, _dilations, _pads;
    readonly string _autoPad;

    SpatialWindow(long[]? kernel, long[]? strides, long[]? dilations, long[]? pads, string autoPad)
    {
        _kernel = kernel;
        _strides = strides;
        _dilations = dilations;
        _pads = pads;
        _autoPad = autoPad;
    }

    /// <summary>Reads kernel_shape, strides, dilations (when <paramref name="dilations"/>), pads and auto_pad.</summary>
    public static SpatialWindow Read(NodeAttributes a, bool kernelRequired, bool dilations)
    {
        var kernel = a.Ints("kernel_shape");
        if (kernelRequired && kernel is null) throw a.Unsupported("attribute 'kernel_shape' is required");
        var window = new SpatialWindow(kernel, a.Ints("strides"), dilations ? a.Ints("dilations") : null, a.Ints("pads"), a.String("auto_pad", "NOTSET"));
        if (window._autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw a.Unsupported($"auto_pad '{window._autoPad}' is not valid");
        if (window._pads is { } p && kernel is not null && p.Length != 2 * kernel.Length)
            throw a.Unsupported($"pads has {p.Length} values for a {kernel.Length}-d kernel");
        return window;
    }

    /// <summary>The kernel size: the attribute, or (for Conv) the weight's spatial dimensions.</summary>
    public long[] Kernel(long[]? fromWeight) => _kernel ?? fromWeight ?? throw new InvalidOperationException("kernel_shape is unknown.");

    public long[] Strides(int rank) => _strides ?? Enumerable.Repeat(1L, rank).ToArray();

    public long[] Dilations(int rank) => _dilations ?? Enumerable.Repeat(1L, rank).ToArray();

    public bool HasDilation => _dilations is { } d && d.Any(v => v != 1);

    /// <summary>Pads before and after each spatial dimension for an input of spatial size <paramref name="input"/>.</summary>
    public (long[] Begin, long[] End) Pads(long[] input, long[] kernel)
    {
        int rank = input.Length;
        var begin = new long[rank];
        var end = new long[rank];
        if (_autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var strides = Strides(rank);
            var dilations = Dilations(rank);
            for (int i = 0; i < rank; i++)
            {
                long output = (input[i] + strides[i] - 1) / strides[i];
                long total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[i]);
                long small = total / 2;
                (begin[i], end[i]) = _autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
            }
        }
        else if (_autoPad == "NOTSET" && _pads is not null)
        {
            Array.Copy(_pads, 0, begin, 0, rank);
            Array.Copy(_pads, rank, end, 0, rank);
        }
        return (begin, end);
    }

    /// <summary>Pads the spatial dimensions of <paramref name="x"/> ([N, C, ...]) explicitly with <paramref name="value"/>.</summary>
    public static Tensor PadExplicitly(Tensor x, long[] begin, long[] end, double value)
    {
        // torch lists pads from the last dimension backwards.
        var pads = new long[2 * begin.Length];
        for (int i = 0; i < begin.Length; i++)
        {
            int d = begin.Length - 1 - i;
            pads[2 * i] = begin[d];
            pads[2 * i + 1] = end[d];
        }
        return nn.functional.pad(x, pads, PaddingModes.Constant, value);
    }

    public static bool AllZero(long[] values) => values.All(v => v == 0);
}
