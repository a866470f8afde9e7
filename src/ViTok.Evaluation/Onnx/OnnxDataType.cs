using TorchSharp;

namespace ViTok.Models.Onnx;

/// <summary>TensorProto.DataType, with the values onnx.proto gives them.</summary>
public enum OnnxDataType
{
    Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8, Bool = 9,
    Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, Complex64 = 14, Complex128 = 15, BFloat16 = 16,
}

/// <summary>Sizes and torch equivalents of <see cref="OnnxDataType"/>.</summary>
public static class OnnxDataTypes
{
    /// <summary>Bytes per element, or 0 for types without a fixed size (string, undefined).</summary>
    public static int Size(OnnxDataType type) => type switch
    {
        OnnxDataType.Float or OnnxDataType.Int32 or OnnxDataType.UInt32 => 4,
        OnnxDataType.Double or OnnxDataType.Int64 or OnnxDataType.UInt64 or OnnxDataType.Complex64 => 8,
        OnnxDataType.Complex128 => 16,
        OnnxDataType.Float16 or OnnxDataType.BFloat16 or OnnxDataType.Int16 or OnnxDataType.UInt16 => 2,
        OnnxDataType.UInt8 or OnnxDataType.Int8 or OnnxDataType.Bool => 1,
        _ => 0,
    };

    /// <summary>The torch dtype holding the same values, or null when torch has none here (strings, unsigned 16/32/64, complex).</summary>
    public static torch.ScalarType? ToTorch(OnnxDataType type) => type switch
    {
        OnnxDataType.Float => torch.ScalarType.Float32,
        OnnxDataType.Double => torch.ScalarType.Float64,
        OnnxDataType.Float16 => torch.ScalarType.Float16,
        OnnxDataType.BFloat16 => torch.ScalarType.BFloat16,
        OnnxDataType.Int64 => torch.ScalarType.Int64,
        OnnxDataType.Int32 => torch.ScalarType.Int32,
        OnnxDataType.Int16 => torch.ScalarType.Int16,
        OnnxDataType.Int8 => torch.ScalarType.Int8,
        OnnxDataType.UInt8 => torch.ScalarType.Byte,
        OnnxDataType.Bool => torch.ScalarType.Bool,
        _ => null,
    };

    /// <summary>The ONNX type of a torch dtype; throws for dtypes ONNX tensors here cannot hold.</summary>
    public static OnnxDataType FromTorch(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => OnnxDataType.Float,
        torch.ScalarType.Float64 => OnnxDataType.Double,
        torch.ScalarType.Float16 => OnnxDataType.Float16,
        torch.ScalarType.BFloat16 => OnnxDataType.BFloat16,
        torch.ScalarType.Int64 => OnnxDataType.Int64,
        torch.ScalarType.Int32 => OnnxDataType.Int32,
        torch.ScalarType.Int16 => OnnxDataType.Int16,
        torch.ScalarType.Int8 => OnnxDataType.Int8,
        torch.ScalarType.Byte => OnnxDataType.UInt8,
        torch.ScalarType.Bool => OnnxDataType.Bool,
        _ => throw new NotSupportedException($"torch dtype {type} has no ONNX tensor type here."),
    };
}
