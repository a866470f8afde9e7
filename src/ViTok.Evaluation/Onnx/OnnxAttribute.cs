namespace ViTok.Models.Onnx;

/// <summary>AttributeProto.AttributeType, with the values onnx.proto gives them.</summary>
public enum OnnxAttributeType
{
    Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5, Floats = 6, Ints = 7, Strings = 8,
    Tensors = 9, Graphs = 10, SparseTensor = 11, SparseTensors = 12, TypeProto = 13, TypeProtos = 14,
}

/// <summary>
/// A node attribute (AttributeProto). Only the value that matches <see cref="Type"/> is meaningful; graph, sparse
/// and type attributes are kept only as their type, so that a node using one is reported rather than misread.
/// </summary>
public sealed record OnnxAttribute(string Name, OnnxAttributeType Type)
{
    public float Float { get; init; }
    public long Int { get; init; }
    public byte[] String { get; init; } = [];
    public OnnxTensor? Tensor { get; init; }
    public float[] Floats { get; init; } = [];
    public long[] Ints { get; init; } = [];
    public byte[][] Strings { get; init; } = [];

    public static OnnxAttribute Of(string name, long value) => new(name, OnnxAttributeType.Int) { Int = value };
    public static OnnxAttribute Of(string name, float value) => new(name, OnnxAttributeType.Float) { Float = value };
    public static OnnxAttribute Of(string name, string value) => new(name, OnnxAttributeType.String) { String = System.Text.Encoding.UTF8.GetBytes(value) };
    public static OnnxAttribute Of(string name, params long[] values) => new(name, OnnxAttributeType.Ints) { Ints = values };
    public static OnnxAttribute Of(string name, params float[] values) => new(name, OnnxAttributeType.Floats) { Floats = values };
    public static OnnxAttribute Of(string name, OnnxTensor value) => new(name, OnnxAttributeType.Tensor) { Tensor = value };

    /// <summary>The string value decoded as UTF-8.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(String);
}
