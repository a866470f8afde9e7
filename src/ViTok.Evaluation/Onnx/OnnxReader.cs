using System.Runtime.InteropServices;
using Google.Protobuf;

namespace ViTok.Models.Onnx;

/// <summary>
/// Reads ONNX model files (the protobuf messages of onnx.proto) into <see cref="OnnxModel"/>, with Google.Protobuf's
/// wire-format reader. Repeated numbers are accepted packed or unpacked, unknown fields are skipped, tensor data is
/// taken from whichever field holds it (including external data files beside the model). Anything malformed raises
/// <see cref="InvalidDataException"/> naming the file and the tensor, node or field.
/// </summary>
public static class OnnxReader
{
    /// <summary>Reads the model at <paramref name="path"/>; external tensor data is looked up beside it.</summary>
    public static OnnxModel Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX file '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(bytes, Path.GetDirectoryName(Path.GetFullPath(path)), path);
    }

    /// <summary>Parses a serialized ModelProto. <paramref name="source"/> names it in errors.</summary>
    public static OnnxModel Parse(byte[] bytes, string? externalDataDirectory = null, string source = "<memory>")
    {
        var parser = new Parser(source, externalDataDirectory);
        try
        {
            return parser.Model(new CodedInputStream(bytes));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"ONNX file '{source}' is not a valid model: {e.Message}", e);
        }
    }

    sealed class Parser(string source, string? directory)
    {
        InvalidDataException Bad(string what) => new($"ONNX file '{source}' is not a valid model: {what}.");

        static CodedInputStream Sub(ByteString bytes)
        {
            if (!MemoryMarshal.TryGetArray(bytes.Memory, out var segment)) segment = new ArraySegment<byte>(bytes.ToByteArray());
            return new CodedInputStream(segment.Array!, segment.Offset, segment.Count);
        }

        CodedInputStream Message(CodedInputStream s, uint tag, string what)
        {
            if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
                throw Bad($"{what} (field {WireFormat.GetTagFieldNumber(tag)}) is not a length-delimited message");
            return Sub(s.ReadBytes());
        }

        public OnnxModel Model(CodedInputStream s)
        {
            long irVersion = 0;
            string producer = "";
            OnnxGraph? graph = null;
            var opsets = new List<OnnxOpset>();
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: irVersion = s.ReadInt64(); break;
                    case 2: producer = s.ReadString(); break;
                    case 7: graph = Graph(Message(s, tag, "ModelProto.graph")); break;
                    case 8: opsets.Add(Opset(Message(s, tag, "ModelProto.opset_import"))); break;
                    default: s.SkipLastField(); break;
                }
            }
            if (graph is null) throw Bad("it has no graph (ModelProto field 7)");
            return new OnnxModel(graph, opsets, irVersion, producer);
        }

        static OnnxOpset Opset(CodedInputStream s)
        {
            string domain = "";
            long version = 0;
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: domain = s.ReadString(); break;
                    case 2: version = s.ReadInt64(); break;
                    default: s.SkipLastField(); break;
                }
            }
            return new OnnxOpset(domain, version);
        }

        OnnxGraph Graph(CodedInputStream s)
        {
            string name = "";
            var nodes = new List<OnnxNode>();
            var initializers = new List<OnnxTensor>();
            var inputs = new List<OnnxValueInfo>();
            var outputs = new List<OnnxValueInfo>();
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: nodes.Add(Node(Message(s, tag, "GraphProto.node"))); break;
                    case 2: name = s.ReadString(); break;
                    case 5: initializers.Add(Tensor(Message(s, tag, "GraphProto.initializer"))); break;
                    case 11: inputs.Add(ValueInfo(Message(s, tag, "GraphProto.input"))); break;
                    case 12: outputs.Add(ValueInfo(Message(s, tag, "GraphProto.output"))); break;
                    case 15: throw Bad("the graph has sparse initializers, which are not supported");
                    default: s.SkipLastField(); break;
                }
            }
            return new OnnxGraph(name, nodes, initializers, inputs, outputs);
        }

        OnnxNode Node(CodedInputStream s)
        {
            string name = "", opType = "", domain = "";
            var inputs = new List<string>();
            var outputs = new List<string>();
            var attributes = new List<OnnxAttribute>();
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: inputs.Add(s.ReadString()); break;
                    case 2: outputs.Add(s.ReadString()); break;
                    case 3: name = s.ReadString(); break;
                    case 4: opType = s.ReadString(); break;
                    case 5: attributes.Add(Attribute(Message(s, tag, "NodeProto.attribute"))); break;
                    case 7: domain = s.ReadString(); break;
                    default: s.SkipLastField(); break;
                }
            }
            if (opType.Length == 0) throw Bad($"node '{name}' has no op_type");
            return new OnnxNode(name, opType, inputs, outputs, attributes, domain);
        }

        OnnxAttribute Attribute(CodedInputStream s)
        {
            string name = "";
            var type = OnnxAttributeType.Undefined;
            float f = 0;
            long i = 0;
            byte[] str = [];
            OnnxTensor? t = null;
            var floats = new List<float>();
            var ints = new List<long>();
            var strings = new List<byte[]>();
            bool hasF = false, hasI = false, hasS = false, hasG = false;
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: name = s.ReadString(); break;
                    case 2: f = s.ReadFloat(); hasF = true; break;
                    case 3: i = s.ReadInt64(); hasI = true; break;
                    case 4: str = s.ReadBytes().ToByteArray(); hasS = true; break;
                    case 5: t = Tensor(Message(s, tag, "AttributeProto.t")); break;
                    case 6: s.SkipLastField(); hasG = true; break;
                    case 7: ReadFloats(s, tag, floats); break;
                    case 8: ReadInt64s(s, tag, ints); break;
                    case 9: strings.Add(s.ReadBytes().ToByteArray()); break;
                    case 20: type = (OnnxAttributeType)s.ReadEnum(); break;
                    default: s.SkipLastField(); break;
                }
            }
            if (type == OnnxAttributeType.Undefined)
            {
                // IR versions before 0.0.2 had no type field: infer it from the field that is present.
                type = hasF ? OnnxAttributeType.Float : hasI ? OnnxAttributeType.Int : hasS ? OnnxAttributeType.String
                    : t is not null ? OnnxAttributeType.Tensor : hasG ? OnnxAttributeType.Graph
                    : floats.Count > 0 ? OnnxAttributeType.Floats : ints.Count > 0 ? OnnxAttributeType.Ints
                    : strings.Count > 0 ? OnnxAttributeType.Strings : OnnxAttributeType.Undefined;
            }
            return new OnnxAttribute(name, type)
            {
                Float = f, Int = i, String = str, Tensor = t, Floats = floats.ToArray(), Ints = ints.ToArray(), Strings = strings.ToArray(),
            };
        }

        OnnxValueInfo ValueInfo(CodedInputStream s)
        {
            string name = "";
            var elementType = OnnxDataType.Undefined;
            List<long?>? shape = null;
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 1) { name = s.ReadString(); continue; }
                if (WireFormat.GetTagFieldNumber(tag) != 2) { s.SkipLastField(); continue; }
                var type = Message(s, tag, "ValueInfoProto.type");
                uint typeTag;
                while ((typeTag = type.ReadTag()) != 0)
                {
                    if (WireFormat.GetTagFieldNumber(typeTag) != 1) { type.SkipLastField(); continue; }   // only tensor types
                    var tensorType = Message(type, typeTag, "TypeProto.tensor_type");
                    uint tt;
                    while ((tt = tensorType.ReadTag()) != 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(tt))
                        {
                            case 1: elementType = (OnnxDataType)tensorType.ReadInt32(); break;
                            case 2: shape = Shape(Message(tensorType, tt, "TypeProto.Tensor.shape")); break;
                            default: tensorType.SkipLastField(); break;
                        }
                    }
                }
            }
            return new OnnxValueInfo(name, elementType, shape);
        }

        List<long?> Shape(CodedInputStream s)
        {
            var dims = new List<long?>();
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) != 1) { s.SkipLastField(); continue; }
                var dim = Message(s, tag, "TensorShapeProto.dim");
                long? value = null;
                uint dt;
                while ((dt = dim.ReadTag()) != 0)
                {
                    if (WireFormat.GetTagFieldNumber(dt) == 1) value = dim.ReadInt64();
                    else dim.SkipLastField();   // dim_param (symbolic) stays unknown
                }
                dims.Add(value);
            }
            return dims;
        }

        OnnxTensor Tensor(CodedInputStream s)
        {
            string name = "";
            var type = OnnxDataType.Undefined;
            var dims = new List<long>();
            byte[]? raw = null;
            var floats = new List<float>();
            var doubles = new List<double>();
            var int32s = new List<long>();
            var int64s = new List<long>();
            var uint64s = new List<ulong>();
            var external = new Dictionary<string, string>();
            bool isExternal = false, hasStrings = false;
            uint tag;
            while ((tag = s.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: ReadInt64s(s, tag, dims); break;
                    case 2: type = (OnnxDataType)s.ReadInt32(); break;
                    case 3: throw Bad($"tensor '{name}' is segmented, which is not supported");
                    case 4: ReadFloats(s, tag, floats); break;
                    case 5: ReadInt32s(s, tag, int32s); break;
                    case 6: s.SkipLastField(); hasStrings = true; break;
                    case 7: ReadInt64s(s, tag, int64s); break;
                    case 8: name = s.ReadString(); break;
                    case 9: raw = s.ReadBytes().ToByteArray(); break;
                    case 10: ReadDoubles(s, tag, doubles); break;
                    case 11: ReadUInt64s(s, tag, uint64s); break;
                    case 13:
                    {
                        var entry = Message(s, tag, "TensorProto.external_data");
                        string key = "", value = "";
                        uint et;
                        while ((et = entry.ReadTag()) != 0)
                        {
                            if (WireFormat.GetTagFieldNumber(et) == 1) key = entry.ReadString();
                            else if (WireFormat.GetTagFieldNumber(et) == 2) value = entry.ReadString();
                            else entry.SkipLastField();
                        }
                        external[key] = value;
                        break;
                    }
                    case 14: isExternal = s.ReadEnum() == 1; break;
                    default: s.SkipLastField(); break;
                }
            }

            long count = 1;
            foreach (long d in dims)
            {
                if (d < 0) throw Bad($"tensor '{name}' has a negative dimension {d}");
                count = checked(count * d);
            }
            if (type == OnnxDataType.String || hasStrings) return new OnnxTensor(name, OnnxDataType.String, dims.ToArray(), []);
            int size = OnnxDataTypes.Size(type);
            if (size == 0) throw Bad($"tensor '{name}' has data type {(int)type}, which is not supported");
            long bytes = checked(count * size);

            byte[] data;
            if (isExternal) data = External(name, external, bytes);
            else if (raw is not null) data = raw;
            else data = type switch
            {
                OnnxDataType.Float or OnnxDataType.Complex64 => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(floats)).ToArray(),
                OnnxDataType.Double or OnnxDataType.Complex128 => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(doubles)).ToArray(),
                OnnxDataType.Int64 => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(int64s)).ToArray(),
                OnnxDataType.UInt32 => MemoryMarshal.AsBytes(uint64s.Select(v => (uint)v).ToArray().AsSpan()).ToArray(),
                OnnxDataType.UInt64 => MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(uint64s)).ToArray(),
                // int32_data holds every type of 32 bits or fewer (float16/bfloat16 as their bit patterns).
                OnnxDataType.Int32 => MemoryMarshal.AsBytes(int32s.Select(v => (int)v).ToArray().AsSpan()).ToArray(),
                OnnxDataType.Int16 or OnnxDataType.UInt16 or OnnxDataType.Float16 or OnnxDataType.BFloat16 =>
                    MemoryMarshal.AsBytes(int32s.Select(v => (ushort)v).ToArray().AsSpan()).ToArray(),
                _ => int32s.Select(v => (byte)v).ToArray(),
            };
            if (data.LongLength != bytes)
                throw Bad($"tensor '{name}' of shape [{string.Join(", ", dims)}] {type} needs {bytes} bytes of data but has {data.LongLength}");
            return new OnnxTensor(name, type, dims.ToArray(), data);
        }

        byte[] External(string name, Dictionary<string, string> entries, long bytes)
        {
            if (!entries.TryGetValue("location", out string? location) || location.Length == 0)
                throw Bad($"tensor '{name}' is stored externally but names no location");
            if (directory is null) throw Bad($"tensor '{name}' is stored in external file '{location}', but the model was not read from a file");
            string file = Path.GetFullPath(Path.Combine(directory, location));
            if (!File.Exists(file)) throw Bad($"tensor '{name}' is stored in external file '{file}', which does not exist");
            long offset = entries.TryGetValue("offset", out string? o) ? long.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0;
            long length = entries.TryGetValue("length", out string? l) ? long.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : bytes;
            if (length != bytes) throw Bad($"tensor '{name}' needs {bytes} bytes but its external data length is {length}");
            using var stream = File.OpenRead(file);
            if (offset < 0 || offset + length > stream.Length)
                throw Bad($"tensor '{name}' lies at bytes [{offset}, {offset + length}) of '{file}', which holds {stream.Length}");
            var data = new byte[length];
            stream.Seek(offset, SeekOrigin.Begin);
            stream.ReadExactly(data);
            return data;
        }
    }

    // Repeated scalar fields: proto2 onnx.proto packs some and not others; both encodings are valid on the wire.
    static void ReadRepeated<T>(CodedInputStream s, uint tag, List<T> into, Func<CodedInputStream, T> read)
    {
        if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited) { into.Add(read(s)); return; }
        var bytes = s.ReadBytes();
        if (!MemoryMarshal.TryGetArray(bytes.Memory, out var segment)) segment = new ArraySegment<byte>(bytes.ToByteArray());
        var packed = new CodedInputStream(segment.Array!, segment.Offset, segment.Count);
        while (!packed.IsAtEnd) into.Add(read(packed));
    }

    static void ReadFloats(CodedInputStream s, uint tag, List<float> into) => ReadRepeated(s, tag, into, x => x.ReadFloat());
    static void ReadDoubles(CodedInputStream s, uint tag, List<double> into) => ReadRepeated(s, tag, into, x => x.ReadDouble());
    static void ReadInt64s(CodedInputStream s, uint tag, List<long> into) => ReadRepeated(s, tag, into, x => x.ReadInt64());
    static void ReadInt32s(CodedInputStream s, uint tag, List<long> into) => ReadRepeated(s, tag, into, x => (long)x.ReadInt32());
    static void ReadUInt64s(CodedInputStream s, uint tag, List<ulong> into) => ReadRepeated(s, tag, into, x => x.ReadUInt64());
}
