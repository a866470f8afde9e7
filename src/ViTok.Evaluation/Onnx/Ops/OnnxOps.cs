namespace ViTok.Models.Onnx.Ops;

/// <summary>
/// The operators <see cref="OnnxModule"/> runs (default ONNX domain), and their compilation: reading and checking
/// each node's attributes when the model is loaded, so an unsupported op, attribute or value is reported by name
/// then, not at the first forward pass. Constant nodes are folded by the module itself.
/// </summary>
public static class OnnxOps
{
    static readonly Dictionary<string, Func<NodeAttributes, IOnnxOp>> Factories = new()
    {
        ["Conv"] = ConvOp.Create,
        ["BatchNormalization"] = BatchNormalizationOp.Create,
        ["MaxPool"] = MaxPoolOp.Create,
        ["AveragePool"] = AveragePoolOp.Create,
        ["GlobalAveragePool"] = GlobalPoolOp.CreateAverage,
        ["GlobalMaxPool"] = GlobalPoolOp.CreateMax,
        ["Add"] = BinaryOp.Factory("Add"),
        ["Sub"] = BinaryOp.Factory("Sub"),
        ["Mul"] = BinaryOp.Factory("Mul"),
        ["Div"] = BinaryOp.Factory("Div"),
        ["Pow"] = BinaryOp.Factory("Pow"),
        ["Sum"] = SumOp.Create,
        ["Relu"] = UnaryOp.Factory("Relu"),
        ["LeakyRelu"] = UnaryOp.Factory("LeakyRelu"),
        ["Sigmoid"] = UnaryOp.Factory("Sigmoid"),
        ["Tanh"] = UnaryOp.Factory("Tanh"),
        ["Sqrt"] = UnaryOp.Factory("Sqrt"),
        ["Exp"] = UnaryOp.Factory("Exp"),
        ["Abs"] = UnaryOp.Factory("Abs"),
        ["Neg"] = UnaryOp.Factory("Neg"),
        ["Clip"] = UnaryOp.Factory("Clip"),
        ["Identity"] = UnaryOp.Factory("Identity"),
        ["Dropout"] = UnaryOp.Factory("Dropout"),
        ["Gemm"] = GemmOp.Create,
        ["MatMul"] = MatMulOp.Create,
        ["Flatten"] = FlattenOp.Create,
        ["Reshape"] = ReshapeOp.Create,
        ["Transpose"] = TransposeOp.Create,
        ["Concat"] = ConcatOp.Create,
        ["Split"] = SplitOp.Create,
        ["Shape"] = ShapeOp.Create,
        ["Gather"] = GatherOp.Create,
        ["Unsqueeze"] = SqueezeOp.Factory(unsqueeze: true),
        ["Squeeze"] = SqueezeOp.Factory(unsqueeze: false),
        ["Cast"] = CastOp.Create,
        ["Pad"] = PadOp.Create,
        ["Softmax"] = SoftmaxOp.Factory(log: false),
        ["LogSoftmax"] = SoftmaxOp.Factory(log: true),
        ["ReduceMean"] = ReduceOp.Factory(mean: true),
        ["ReduceSum"] = ReduceOp.Factory(mean: false),
    };

    /// <summary>Operator names that can be run (plus Constant, which is folded at load time).</summary>
    public static IReadOnlyCollection<string> Supported => [.. Factories.Keys, "Constant"];

    /// <summary>Compiles one node; throws <see cref="OnnxUnsupportedException"/> naming the node and what is unsupported.</summary>
    public static IOnnxOp Compile(OnnxNode node, long opset)
    {
        if (!OnnxOpset.IsDefaultDomain(node.Domain))
            throw new OnnxUnsupportedException($"{node.Label}: operator domain '{node.Domain}' is not supported (only the default ONNX domain)");
        if (!Factories.TryGetValue(node.OpType, out var factory))
            throw new OnnxUnsupportedException($"{node.Label}: operator '{node.OpType}' is not supported");
        var attributes = new NodeAttributes(node, opset);
        var op = factory(attributes);
        var unread = attributes.Unread.ToList();
        if (unread.Count > 0)
            throw attributes.Unsupported($"attribute{(unread.Count > 1 ? "s" : "")} {string.Join(", ", unread.Select(n => $"'{n}'"))} not supported");
        return op;
    }
}
