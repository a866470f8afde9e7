using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>Integer tensors that ops read as shapes, axes, pads or sizes.</summary>
static class Ints
{
    public static long[] Read(Tensor t)
    {
        using var cpu = t.cpu().to(ScalarType.Int64);
        return cpu.data<long>().ToArray();
    }

    public static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;
}

/// <summary>Flatten: [d0..d(axis-1)] and [d(axis)..] each collapse into one dimension.</summary>
public sealed class FlattenOp(long axis) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a) { a.OnlyOutputs(1); return new FlattenOp(a.Int("axis", 1)); }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        long at = Ints.Axis(axis, x.dim());
        long outer = x.shape[..(int)at].Aggregate(1L, (p, d) => p * d);
        long inner = x.shape[(int)at..].Aggregate(1L, (p, d) => p * d);
        return [x.reshape(outer, inner)];
    }
}

/// <summary>Reshape (shape from the second input, or the attribute before opset 5; 0 copies a dimension unless allowzero).</summary>
public sealed class ReshapeOp(long[]? fixedShape, bool allowZero) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        long[]? shape = a.Opset < 5 ? a.Ints("shape") ?? throw a.Unsupported("attribute 'shape' is required before opset 5") : null;
        bool allowZero = a.Int("allowzero", 0) != 0;
        a.OnlyOutputs(1);
        return new ReshapeOp(shape, allowZero);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        long[] shape = (fixedShape ?? Ints.Read(inputs[1]!)).ToArray();
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] == 0 && !allowZero) shape[i] = x.shape[i];
        return [x.reshape(shape)];
    }
}

/// <summary>Transpose by perm (default: reverse the dimensions).</summary>
public sealed class TransposeOp(long[]? perm) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a) { a.OnlyOutputs(1); return new TransposeOp(a.Ints("perm")); }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var p = perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(d => (long)d).ToArray();
        return [x.permute(p)];
    }
}

/// <summary>Concat along axis.</summary>
public sealed class ConcatOp(long axis) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        if (!a.Has("axis") && a.Opset >= 4) throw a.Unsupported("attribute 'axis' is required");
        long axis = a.Int("axis", 1);
        a.OnlyOutputs(1);
        return new ConcatOp(axis);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var parts = inputs.Where(t => t is not null).Select(t => t!).ToList();
        return [torch.cat(parts, Ints.Axis(axis, parts[0].dim()))];
    }
}

/// <summary>Split along axis: sizes from the 'split' attribute (before opset 13) or second input, else equal parts.</summary>
public sealed class SplitOp(long axis, long[]? fixedSizes, int outputs) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        long axis = a.Int("axis", 0);
        long[]? sizes = a.Opset < 13 ? a.Ints("split") : null;
        a.Ignore("num_outputs");   // equals the number of outputs
        return new SplitOp(axis, sizes, a.Node.Outputs.Count);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        long dim = Ints.Axis(axis, x.dim());
        long[] sizes = fixedSizes ?? (inputs.Count > 1 && inputs[1] is { } s ? Ints.Read(s) : EqualParts(x.shape[dim], outputs));
        return x.split(sizes, dim);
    }

    static long[] EqualParts(long length, int parts)
    {
        long chunk = (length + parts - 1) / parts;
        return Enumerable.Range(0, parts).Select(i => Math.Max(0, Math.Min(chunk, length - i * chunk))).ToArray();
    }
}

/// <summary>Shape: the input's dimensions as an int64 vector (optionally sliced by start/end).</summary>
public sealed class ShapeOp(long? start, long? end) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        long? start = a.Has("start") ? a.Int("start", 0) : null, end = a.Has("end") ? a.Int("end", 0) : null;
        a.OnlyOutputs(1);
        return new ShapeOp(start, end);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var shape = inputs[0]!.shape;
        long rank = shape.Length;
        long from = Math.Clamp(start is long s ? Ints.Axis(s, rank) : 0, 0, rank);
        long to = Math.Clamp(end is long e ? Ints.Axis(e, rank) : rank, from, rank);
        return [torch.tensor(shape[(int)from..(int)to], ScalarType.Int64, inputs[0]!.device)];
    }
}

/// <summary>Gather along axis with integer indices of any shape (negative indices count from the end).</summary>
public sealed class GatherOp(long axis) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a) { a.OnlyOutputs(1); return new GatherOp(a.Int("axis", 0)); }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var indices = inputs[1]!;
        long dim = Ints.Axis(axis, x.dim());
        using var flat = indices.to(ScalarType.Int64, x.device).flatten();
        using Scalar size = x.shape[dim].ToScalar();
        using var wrapped = flat.remainder(size);          // -1 -> size - 1
        using var picked = x.index_select(dim, wrapped);
        return [picked.reshape([.. x.shape[..(int)dim], .. indices.shape, .. x.shape[(int)(dim + 1)..]])];
    }
}

/// <summary>Unsqueeze and Squeeze (axes from the attribute before opset 13, from the second input after).</summary>
public sealed class SqueezeOp(bool unsqueeze, long[]? fixedAxes) : IOnnxOp
{
    public static Func<NodeAttributes, IOnnxOp> Factory(bool unsqueeze) => a =>
    {
        long[]? axes = a.Opset < 13 ? a.Ints("axes") : null;
        if (unsqueeze && a.Opset < 13 && axes is null) throw a.Unsupported("attribute 'axes' is required");
        a.OnlyOutputs(1);
        return new SqueezeOp(unsqueeze, axes);
    };

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        long[]? axes = fixedAxes ?? (inputs.Count > 1 && inputs[1] is { } t ? Ints.Read(t) : null);
        if (unsqueeze)
        {
            long rank = x.dim() + axes!.Length;
            var y = x.alias();
            foreach (long axis in axes.Select(d => Ints.Axis(d, rank)).Order())
            {
                var next = y.unsqueeze(axis);
                y.Dispose();
                y = next;
            }
            return [y];
        }
        if (axes is null) return [x.reshape(x.shape.Where(d => d != 1).ToArray())];
        var drop = axes.Select(d => Ints.Axis(d, x.dim())).ToHashSet();
        return [x.reshape(x.shape.Where((_, i) => !drop.Contains(i)).ToArray())];
    }
}

/// <summary>
/// Cast. Casts between floating types keep the input's type, so a module converted to bfloat16 (or float64) stays
/// in that type end to end; casts to or from integer and boolean types happen as written.
/// </summary>
public sealed class CastOp(ScalarType to) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        var target = (OnnxDataType)a.Int("to", 0);
        var type = OnnxDataTypes.ToTorch(target) ?? throw a.Unsupported($"cast to {target} is not supported");
        a.Ignore("saturate");
        a.OnlyOutputs(1);
        return new CastOp(type);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        bool floatToFloat = x.is_floating_point() && to is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16;
        return [floatToFloat ? x.alias() : x.to(to)];
    }
}
