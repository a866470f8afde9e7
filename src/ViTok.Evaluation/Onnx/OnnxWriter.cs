using Google.Protobuf;

namespace ViTok.Models.Onnx;

/// <summary>
/// Writes an <see cref="OnnxModel"/> as an ONNX file (ModelProto), tensor data as raw_data. Used to build small
/// graphs (tests, synthetic feature networks) that ONNX Runtime and <see cref="OnnxReader"/> both read.
/// </summary>
public static class OnnxWriter
{
    public static byte[] Serialize(OnnxModel model) => Message(s =>
    {
        s.WriteTag(1, WireFormat.WireType.Varint); s.WriteInt64(model.IrVersion);
        if (model.ProducerName.Length > 0) { s.WriteTag(2, WireFormat.WireType.LengthDelimited); s.WriteString(model.ProducerName); }
        Nested(s, 7, Graph(model.Graph));
        foreach (var opset in model.Opsets)
            Nested(s, 8, Message(o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteString(opset.Domain);
                o.WriteTag(2, WireFormat.WireType.Varint); o.WriteInt64(opset.Version);
            }));
    });

    public static void Write(OnnxModel model, string path) => Runtime.AtomicFile.Write(path, s => s.Write(Serialize(model)));

    static byte[] Graph(OnnxGraph graph) => Message(s =>
    {
        foreach (var node in graph.Nodes) Nested(s, 1, Node(node));
        s.WriteTag(2, WireFormat.WireType.LengthDelimited); s.WriteString(graph.Name);
        foreach (var tensor in graph.Initializers) Nested(s, 5, Tensor(tensor));
        foreach (var input in graph.Inputs) Nested(s, 11, ValueInfo(input));
        foreach (var output in graph.Outputs) Nested(s, 12, ValueInfo(output));
    });

    static byte[] Node(OnnxNode node) => Message(s =>
    {
        foreach (string input in node.Inputs) { s.WriteTag(1, WireFormat.WireType.LengthDelimited); s.WriteString(input); }
        foreach (string output in node.Outputs) { s.WriteTag(2, WireFormat.WireType.LengthDelimited); s.WriteString(output); }
        if (node.Name.Length > 0) { s.WriteTag(3, WireFormat.WireType.LengthDelimited); s.WriteString(node.Name); }
        s.WriteTag(4, WireFormat.WireType.LengthDelimited); s.WriteString(node.OpType);
        foreach (var attribute in node.Attributes) Nested(s, 5, Attribute(attribute));
        if (node.Domain.Length > 0) { s.WriteTag(7, WireFormat.WireType.LengthDelimited); s.WriteString(node.Domain); }
    });

    static byte[] Attribute(OnnxAttribute a) => Message(s =>
    {
        s.WriteTag(1, WireFormat.WireType.LengthDelimited); s.WriteString(a.Name);
        switch (a.Type)
        {
            case OnnxAttributeType.Float: s.WriteTag(2, WireFormat.WireType.Fixed32); s.WriteFloat(a.Float); break;
            case OnnxAttributeType.Int: s.WriteTag(3, WireFormat.WireType.Varint); s.WriteInt64(a.Int); break;
            case OnnxAttributeType.String: s.WriteTag(4, WireFormat.WireType.LengthDelimited); s.WriteBytes(ByteString.CopyFrom(a.String)); break;
            case OnnxAttributeType.Tensor: Nested(s, 5, Tensor(a.Tensor ?? throw new ArgumentException($"Attribute '{a.Name}' has no tensor."))); break;
            case OnnxAttributeType.Floats: foreach (float f in a.Floats) { s.WriteTag(7, WireFormat.WireType.Fixed32); s.WriteFloat(f); } break;
            case OnnxAttributeType.Ints: foreach (long i in a.Ints) { s.WriteTag(8, WireFormat.WireType.Varint); s.WriteInt64(i); } break;
            case OnnxAttributeType.Strings: foreach (var b in a.Strings) { s.WriteTag(9, WireFormat.WireType.LengthDelimited); s.WriteBytes(ByteString.CopyFrom(b)); } break;
            default: throw new NotSupportedException($"Attribute '{a.Name}' of type {a.Type} cannot be written.");
        }
        s.WriteTag(20, WireFormat.WireType.Varint); s.WriteEnum((int)a.Type);
    });

    static byte[] Tensor(OnnxTensor t) => Message(s =>
    {
        foreach (long d in t.Dims) { s.WriteTag(1, WireFormat.WireType.Varint); s.WriteInt64(d); }
        s.WriteTag(2, WireFormat.WireType.Varint); s.WriteInt32((int)t.DataType);
        s.WriteTag(8, WireFormat.WireType.LengthDelimited); s.WriteString(t.Name);
        s.WriteTag(9, WireFormat.WireType.LengthDelimited); s.WriteBytes(ByteString.CopyFrom(t.Data));
    });

    static byte[] ValueInfo(OnnxValueInfo v) => Message(s =>
    {
        s.WriteTag(1, WireFormat.WireType.LengthDelimited); s.WriteString(v.Name);
        var tensorType = Message(t =>
        {
            t.WriteTag(1, WireFormat.WireType.Varint); t.WriteInt32((int)v.ElementType);
            if (v.Shape is not null)
                Nested(t, 2, Message(shape =>
                {
                    foreach (long? d in v.Shape)
                        Nested(shape, 1, Message(dim =>
                        {
                            if (d is long value) { dim.WriteTag(1, WireFormat.WireType.Varint); dim.WriteInt64(value); }
                            else { dim.WriteTag(2, WireFormat.WireType.LengthDelimited); dim.WriteString("?"); }
                        }));
                }));
        });
        Nested(s, 2, Message(type => Nested(type, 1, tensorType)));
    });

    static void Nested(CodedOutputStream s, int field, byte[] message)
    {
        s.WriteTag(field, WireFormat.WireType.LengthDelimited);
        s.WriteBytes(ByteString.CopyFrom(message));
    }

    static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var s = new CodedOutputStream(buffer, leaveOpen: true)) write(s);
        return buffer.ToArray();
    }
}
