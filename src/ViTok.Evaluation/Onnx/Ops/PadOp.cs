using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>
/// Pad in constant, reflect or edge mode. Pads come from attributes before opset 11 ('pads', 'value') and from
/// inputs after (pads, constant_value, axes). Reflect and edge pad at most the last three dimensions.
/// </summary>
public sealed class PadOp(PaddingModes mode, long[]? fixedPads, double fixedValue) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        string modeName = a.String("mode", "constant");
        PaddingModes mode = modeName switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            "wrap" => PaddingModes.Circular,
            _ => throw a.Unsupported($"mode '{modeName}' is not supported"),
        };
        long[]? pads = null;
        double value = 0;
        if (a.Opset < 11)
        {
            pads = a.Ints(a.Opset < 2 ? "paddings" : "pads") ?? throw a.Unsupported("attribute 'pads' is required before opset 11");
            value = a.Float("value", 0f);
        }
        a.OnlyOutputs(1);
        return new PadOp(mode, pads, value);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        int rank = (int)x.dim();
        long[] given = fixedPads ?? Ints.Read(inputs[1]!);
        double value = fixedValue;
        if (fixedPads is null && inputs.Count > 2 && inputs[2] is { } v && v.numel() > 0) value = v.cpu().to(ScalarType.Float64).item<double>();
        long[] axes = fixedPads is null && inputs.Count > 3 && inputs[3] is { } ax
            ? Ints.Read(ax).Select(d => Ints.Axis(d, rank)).ToArray()
            : Enumerable.Range(0, rank).Select(d => (long)d).ToArray();
        if (given.Length != 2 * axes.Length) throw new ArgumentException($"Pad: {given.Length} pads for {axes.Length} axes.");
        var begin = new long[rank];
        var end = new long[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            begin[axes[i]] = given[i];
            end[axes[i]] = given[axes.Length + i];
        }
        // torch lists pads from the last dimension backwards, and only as far as the first padded dimension.
        int first = Enumerable.Range(0, rank).FirstOrDefault(d => begin[d] != 0 || end[d] != 0, rank);
        if (first == rank) return [x.alias()];
        if (mode != PaddingModes.Constant && rank - first > 3)
            throw new NotSupportedException($"Pad mode {mode} is supported on the last three dimensions only; dimension {first} is padded.");
        var pads = new List<long>();
        for (int d = rank - 1; d >= first; d--) { pads.Add(begin[d]); pads.Add(end[d]); }
        if (mode == PaddingModes.Constant) return [nn.functional.pad(x, pads.ToArray(), mode, value)];
        // Reflect/replicate/circular need leading batch and channel dimensions.
        int lead = rank - (rank - first) - 2;
        using var shaped = lead >= 0 ? x.reshape([-1, .. x.shape[(lead + 1)..]]) : x.reshape([.. Enumerable.Repeat(1L, -lead), .. x.shape]);
        using var padded = nn.functional.pad(shaped, pads.ToArray(), mode);
        return [padded.reshape([.. x.shape[..first], .. padded.shape[^(rank - first)..]])];
    }
}
