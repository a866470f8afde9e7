namespace ViTok.Models.Onnx;

/// <summary>
/// The parts of an ONNX model (onnx.proto ModelProto) that running a vision backbone needs: the opset imports
/// and the main graph. Produced by <see cref="OnnxReader"/>, written by <see cref="OnnxWriter"/>.
/// </summary>
public sealed record OnnxModel(OnnxGraph Graph, IReadOnlyList<OnnxOpset> Opsets, long IrVersion = 8, string ProducerName = "")
{
    /// <summary>The opset version imported for the default (ai.onnx) domain; 1 when the model names none.</summary>
    public long DefaultOpset => Opsets.FirstOrDefault(o => OnnxOpset.IsDefaultDomain(o.Domain))?.Version ?? 1;
}

/// <summary>An operator set import (OperatorSetIdProto).</summary>
public sealed record OnnxOpset(string Domain, long Version)
{
    public static bool IsDefaultDomain(string domain) => domain is "" or "ai.onnx";
}

/// <summary>A graph (GraphProto): nodes in file order, initializers, declared inputs and outputs.</summary>
public sealed record OnnxGraph(
    string Name,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs);

/// <summary>A node (NodeProto). An empty input name marks an omitted optional input.</summary>
public sealed record OnnxNode(
    string Name,
    string OpType,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyList<OnnxAttribute> Attributes,
    string Domain = "")
{
    /// <summary>How errors name this node: its name when it has one, else its first output.</summary>
    public string Label => Name.Length > 0 ? $"{OpType} node '{Name}'" : $"{OpType} node producing '{Outputs.FirstOrDefault() ?? "?"}'";
}

/// <summary>A declared graph input or output (ValueInfoProto with a tensor type). Unknown dimensions are null.</summary>
public sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, IReadOnlyList<long?>? Shape)
{
    public override string ToString() =>
        $"{Name}: {ElementType}" + (Shape is null ? "" : $"[{string.Join(", ", Shape.Select(d => d?.ToString() ?? "?"))}]");
}
