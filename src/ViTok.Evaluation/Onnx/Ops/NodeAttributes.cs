namespace ViTok.Models.Onnx.Ops;

/// <summary>
/// Typed access to a node's attributes while an op is compiled. It remembers which attributes the op read, so
/// that <see cref="OnnxOps"/> can report any attribute the op does not understand, by name, at load time.
/// </summary>
public sealed class NodeAttributes
{
    readonly Dictionary<string, OnnxAttribute> _byName;
    readonly HashSet<string> _read = [];

    public NodeAttributes(OnnxNode node, long opset)
    {
        Node = node;
        Opset = opset;
        _byName = [];
        foreach (var a in node.Attributes) _byName[a.Name] = a;
    }

    public OnnxNode Node { get; }

    /// <summary>The default-domain opset the model imports; ops whose meaning changed between versions read it.</summary>
    public long Opset { get; }

    public bool Has(string name)
    {
        _read.Add(name);
        return _byName.ContainsKey(name);
    }

    OnnxAttribute? Get(string name, OnnxAttributeType type)
    {
        _read.Add(name);
        if (!_byName.TryGetValue(name, out var a)) return null;
        if (a.Type != type) throw Unsupported($"attribute '{name}' is {a.Type}, expected {type}");
        return a;
    }

    public long Int(string name, long fallback) => Get(name, OnnxAttributeType.Int)?.Int ?? fallback;
    public float Float(string name, float fallback) => Get(name, OnnxAttributeType.Float)?.Float ?? fallback;
    public string String(string name, string fallback) => Get(name, OnnxAttributeType.String)?.Text ?? fallback;
    public long[]? Ints(string name) => Get(name, OnnxAttributeType.Ints)?.Ints;
    public float[]? Floats(string name) => Get(name, OnnxAttributeType.Floats)?.Floats;
    public OnnxTensor? Tensor(string name) => Get(name, OnnxAttributeType.Tensor)?.Tensor;

    /// <summary>Marks attributes that change nothing in inference (e.g. BatchNormalization's momentum) as understood.</summary>
    public void Ignore(params string[] names)
    {
        foreach (string n in names) _read.Add(n);
    }

    /// <summary>The names of attributes present on the node that the op never read.</summary>
    public IEnumerable<string> Unread => _byName.Keys.Where(k => !_read.Contains(k));

    /// <summary>An error for an attribute value (or input arity) the executor does not support, naming the node.</summary>
    public OnnxUnsupportedException Unsupported(string what) => new($"{Node.Label}: {what}");

    /// <summary>Requires that outputs from index <paramref name="count"/> on are absent (optional outputs this op does not produce).</summary>
    public void OnlyOutputs(int count)
    {
        for (int i = count; i < Node.Outputs.Count; i++)
            if (Node.Outputs[i].Length > 0) throw Unsupported($"output {i} ('{Node.Outputs[i]}') is not supported; only the first {count} can be produced");
    }
}

/// <summary>A model uses an operator, attribute or value the executor does not support; raised when it is loaded.</summary>
public sealed class OnnxUnsupportedException(string message) : NotSupportedException(message);
