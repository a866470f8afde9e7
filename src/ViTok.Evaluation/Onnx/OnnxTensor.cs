using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx;

/// <summary>
/// A constant tensor (TensorProto): name, type, dimensions and its elements as little-endian bytes, whatever
/// field of the file held them (raw_data, float_data, int32_data, ... or external data).
/// </summary>
public sealed record OnnxTensor(string Name, OnnxDataType DataType, long[] Dims, byte[] Data)
{
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>A new CPU torch tensor with this tensor's values.</summary>
    public Tensor ToTorch()
    {
        var type = OnnxDataTypes.ToTorch(DataType)
            ?? throw new NotSupportedException($"ONNX tensor '{Name}' has element type {DataType}, which torch cannot hold here.");
        var tensor = empty(Dims, type);
        if (Data.Length > 0) tensor.bytes = Data;
        return tensor;
    }

    /// <summary>Copies a torch tensor (any device) into an ONNX tensor named <paramref name="name"/>.</summary>
    public static OnnxTensor FromTorch(string name, Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return new OnnxTensor(name, OnnxDataTypes.FromTorch(cpu.dtype), cpu.shape.ToArray(), cpu.bytes.ToArray());
    }

    public static OnnxTensor FromFloats(string name, long[] dims, params float[] values) =>
        new(name, OnnxDataType.Float, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static OnnxTensor FromInt64s(string name, long[] dims, params long[] values) =>
        new(name, OnnxDataType.Int64, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>The values as 64-bit integers (for integer tensors such as shapes, axes and pads).</summary>
    public long[] AsInt64s() => DataType switch
    {
        OnnxDataType.Int64 => MemoryMarshal.Cast<byte, long>(Data).ToArray(),
        OnnxDataType.Int32 => MemoryMarshal.Cast<byte, int>(Data).ToArray().Select(v => (long)v).ToArray(),
        _ => throw new InvalidDataException($"ONNX tensor '{Name}' is {DataType}; integers were expected."),
    };
}
