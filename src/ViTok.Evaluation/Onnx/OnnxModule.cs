using System.Text;
using TorchSharp;
using ViTok.Models.Onnx.Ops;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx;

/// <summary>
/// An ONNX graph as a TorchSharp module. Floating-point initializers (and Constant nodes) become frozen buffers, so
/// <c>to(device)</c> and <c>to(ScalarType.BFloat16)</c> move and convert them like any module's state; integer
/// constants (shapes, axes) stay as they are. Nodes are compiled when the model is loaded, which is when an
/// unsupported operator, attribute or value is reported, all of them at once and by name. A forward pass runs the
/// nodes in topological order with torch operations, so it is differentiable with respect to the inputs and runs
/// under <c>no_grad</c> or in bfloat16 like any module. <see cref="Run"/> returns any intermediate value (feature
/// taps), computing only the nodes those values need.
/// </summary>
public sealed class OnnxModule : nn.Module<Tensor, Tensor>
{
    sealed record Step(OnnxNode Node, IOnnxOp Op);

    readonly Step[] _steps;
    readonly Dictionary<string, int> _producer = [];
    readonly Dictionary<string, string> _bufferNames = [];   // ONNX name -> registered buffer name
    readonly Dictionary<string, Tensor> _integerConstants = [];
    readonly HashSet<string> _inputNames;

    /// <summary>The graph as read; its nodes in the order they run.</summary>
    public OnnxModel Model { get; }

    /// <summary>The graph's real inputs (declared inputs that are not initializers), in declaration order.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>The graph's declared outputs.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The nodes in execution (topological) order.</summary>
    public IReadOnlyList<OnnxNode> Nodes => _steps.Select(s => s.Node).ToList();

    /// <summary>Every value a node produces, in execution order: the names <see cref="Run"/> accepts as taps.</summary>
    public IReadOnlyList<string> Values => _steps.SelectMany(s => s.Node.Outputs).Where(n => n.Length > 0).ToList();

    OnnxModule(string name, OnnxModel model) : base(name)
    {
        Model = model;
        var graph = model.Graph;
        long opset = model.DefaultOpset;

        var initializerNames = graph.Initializers.Select(t => t.Name).ToHashSet();
        Inputs = graph.Inputs.Where(i => !initializerNames.Contains(i.Name)).ToList();
        _inputNames = Inputs.Select(i => i.Name).ToHashSet();
        Outputs = graph.Outputs.Select(o => o.Name).ToList();

        var problems = new List<string>();
        foreach (var tensor in graph.Initializers) AddConstant(tensor, problems);

        var compiled = new List<Step>();
        foreach (var node in graph.Nodes)
        {
            if (node.OpType == "Constant" && OnnxOpset.IsDefaultDomain(node.Domain))
            {
                try { AddConstant(FoldConstant(node, opset), problems); }
                catch (OnnxUnsupportedException e) { problems.Add(e.Message); }
                continue;
            }
            try { compiled.Add(new Step(node, OnnxOps.Compile(node, opset))); }
            catch (OnnxUnsupportedException e) { problems.Add(e.Message); }
        }
        if (problems.Count > 0)
        {
            var message = new StringBuilder($"ONNX model '{name}' (opset {opset}) uses what the TorchSharp executor does not support: ");
            message.Append(string.Join("; ", problems.Take(12)));
            if (problems.Count > 12) message.Append($"; and {problems.Count - 12} more");
            throw new OnnxUnsupportedException(message.Append('.').ToString());
        }

        _steps = Sort(name, compiled);
        for (int i = 0; i < _steps.Length; i++)
            foreach (string output in _steps[i].Node.Outputs.Where(o => o.Length > 0))
                _producer[output] = i;
        foreach (string output in Outputs)
            if (!IsKnown(output)) throw new InvalidDataException($"ONNX model '{name}': graph output '{output}' is produced by no node.");
    }

    /// <summary>Loads an ONNX file; throws <see cref="OnnxUnsupportedException"/> listing everything it cannot run.</summary>
    public static OnnxModule Load(string path) => FromModel(OnnxReader.Read(path), Path.GetFileName(path));

    /// <summary>Builds the module from a parsed model.</summary>
    public static OnnxModule FromModel(OnnxModel model, string name = "onnx")
    {
        ArgumentNullException.ThrowIfNull(model);
        Runtime.TorchRuntime.EnsureLoaded();
        var module = new OnnxModule(name, model);
        module.eval();
        return module;
    }

    /// <summary>The module's floating-point dtype (that of its buffers; float32 when it has none).</summary>
    public ScalarType FloatType => buffers().FirstOrDefault()?.dtype ?? ScalarType.Float32;

    /// <summary>The device its buffers live on (CPU when it has none).</summary>
    public Device Device => buffers().FirstOrDefault()?.device ?? CPU;

    void AddConstant(OnnxTensor tensor, List<string> problems)
    {
        if (OnnxDataTypes.ToTorch(tensor.DataType) is null)
        {
            problems.Add($"constant '{tensor.Name}' has element type {tensor.DataType}, which is not supported");
            return;
        }
        var value = tensor.ToTorch();
        if (torch.is_floating_point(value))
        {
            string buffer = BufferName(tensor.Name);
            register_buffer(buffer, value);
            _bufferNames[tensor.Name] = buffer;
        }
        else
        {
            _integerConstants[tensor.Name] = value;
        }
    }

    string BufferName(string onnxName)
    {
        var name = new StringBuilder(onnxName.Length);
        foreach (char c in onnxName) name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) name.Insert(0, 'c');
        string candidate = name.ToString();
        for (int i = 1; _bufferNames.ContainsValue(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }

    static OnnxTensor FoldConstant(OnnxNode node, long opset)
    {
        var a = new NodeAttributes(node, opset);
        string output = node.Outputs[0];
        OnnxTensor result;
        if (a.Tensor("value") is { } t) result = t with { Name = output };
        else if (a.Has("value_float")) result = OnnxTensor.FromFloats(output, [], a.Float("value_float", 0));
        else if (a.Floats("value_floats") is { } fs) result = OnnxTensor.FromFloats(output, [fs.Length], fs);
        else if (a.Has("value_int")) result = OnnxTensor.FromInt64s(output, [], a.Int("value_int", 0));
        else if (a.Ints("value_ints") is { } ints) result = OnnxTensor.FromInt64s(output, [ints.Length], ints);
        else throw a.Unsupported("only value, value_float(s) and value_int(s) constants are supported");
        var unread = a.Unread.ToList();
        if (unread.Count > 0) throw a.Unsupported($"attribute(s) {string.Join(", ", unread.Select(n => $"'{n}'"))} not supported");
        return result;
    }

    bool IsKnown(string value) => _inputNames.Contains(value) || _bufferNames.ContainsKey(value) || _integerConstants.ContainsKey(value) || _producer.ContainsKey(value);

    Step[] Sort(string name, List<Step> steps)
    {
        // Kahn's algorithm, stable in file order (files are normally sorted already).
        var available = new HashSet<string>(_inputNames.Concat(_bufferNames.Keys).Concat(_integerConstants.Keys)) { "" };
        var order = new List<Step>(steps.Count);
        var pending = new List<Step>(steps);
        while (pending.Count > 0)
        {
            int before = pending.Count;
            for (int i = 0; i < pending.Count;)
            {
                if (pending[i].Node.Inputs.All(available.Contains))
                {
                    order.Add(pending[i]);
                    foreach (string o in pending[i].Node.Outputs) available.Add(o);
                    pending.RemoveAt(i);
                }
                else i++;
            }
            if (pending.Count == before)
            {
                var stuck = pending[0].Node;
                string missing = stuck.Inputs.First(n => !available.Contains(n));
                bool produced = pending.Any(s => s.Node.Outputs.Contains(missing));
                throw new InvalidDataException($"ONNX model '{name}': {stuck.Label} reads '{missing}', which " +
                    (produced ? "depends on the node's own output (a cycle)." : "is no graph input, initializer or node output."));
            }
        }
        return order.ToArray();
    }

    /// <summary>Runs the graph on its single input and returns its first output.</summary>
    public override Tensor forward(Tensor input)
    {
        if (Inputs.Count != 1) throw new InvalidOperationException($"ONNX model '{GetName()}' has {Inputs.Count} inputs; use Run with named inputs.");
        var result = Run(new Dictionary<string, Tensor> { [Inputs[0].Name] = input }, Outputs[0]);
        return result[Outputs[0]];
    }

    /// <summary>
    /// Runs the nodes needed for <paramref name="outputs"/> (graph outputs or any intermediate value from
    /// <see cref="Values"/>) and returns them by name, each a new tensor the caller owns. Intermediates are
    /// released as soon as no remaining node reads them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs, params string[] outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (outputs.Length == 0) outputs = [.. Outputs];
        foreach (string given in inputs.Keys)
            if (!_inputNames.Contains(given))
                throw new ArgumentException($"ONNX model '{GetName()}' has no input '{given}'; its inputs are {string.Join(", ", Inputs.Select(i => $"'{i.Name}'"))}.");
        foreach (string wanted in outputs)
            if (!IsKnown(wanted))
                throw new ArgumentException($"ONNX model '{GetName()}' has no value '{wanted}'; request a graph output or one of Values.");

        // Which steps are needed, and how many needed steps read each value.
        var needed = new bool[_steps.Length];
        var stack = new Stack<string>(outputs);
        while (stack.Count > 0)
            if (_producer.TryGetValue(stack.Pop(), out int step) && !needed[step])
            {
                needed[step] = true;
                foreach (string input in _steps[step].Node.Inputs.Where(i => i.Length > 0)) stack.Push(input);
            }
        var readers = new Dictionary<string, int>();
        for (int i = 0; i < _steps.Length; i++)
            if (needed[i])
                foreach (string input in _steps[i].Node.Inputs.Where(n => n.Length > 0))
                {
                    if (_inputNames.Contains(input) && !inputs.ContainsKey(input))
                        throw new ArgumentException($"ONNX model '{GetName()}': input '{input}' is needed but was not given.");
                    readers[input] = readers.GetValueOrDefault(input) + 1;
                }

        var device = inputs.Values.FirstOrDefault()?.device ?? Device;
        var values = new Dictionary<string, Tensor>();
        var owned = new HashSet<string>();   // values created during this run, released when unread
        var wantedSet = outputs.ToHashSet();
        var result = new Dictionary<string, Tensor>();
        try
        {
            for (int i = 0; i < _steps.Length; i++)
            {
                if (!needed[i]) continue;
                var node = _steps[i].Node;
                var args = new Tensor?[node.Inputs.Count];
                for (int j = 0; j < args.Length; j++)
                    args[j] = node.Inputs[j].Length == 0 ? null : Value(node.Inputs[j], inputs, values, owned, device);
                Tensor[] produced;
                try { produced = _steps[i].Op.Run(args); }
                catch (Exception e) when (e is not OnnxUnsupportedException)
                {
                    throw new InvalidOperationException($"ONNX model '{GetName()}': {node.Label} failed: {e.Message}", e);
                }
                for (int k = 0; k < node.Outputs.Count && k < produced.Length; k++)
                {
                    var t = produced[k];
                    if (args.Any(a => ReferenceEquals(a, t))) t = t.alias();   // ops must hand back new handles
                    if (node.Outputs[k].Length == 0) { t.Dispose(); continue; }
                    values[node.Outputs[k]] = t;
                    owned.Add(node.Outputs[k]);
                }
                foreach (string input in node.Inputs.Where(n => n.Length > 0))
                    if (--readers[input] == 0 && owned.Contains(input) && !wantedSet.Contains(input))
                    {
                        values[input].Dispose();
                        values.Remove(input);
                        owned.Remove(input);
                    }
            }
            foreach (string wanted in outputs)
            {
                var t = Value(wanted, inputs, values, owned, device);
                result[wanted] = owned.Remove(wanted) ? t : t.alias();
                values.Remove(wanted);
            }
            return result;
        }
        finally
        {
            foreach (string name in owned) values[name].Dispose();
        }
    }

    Tensor Value(string name, IReadOnlyDictionary<string, Tensor> inputs, Dictionary<string, Tensor> values, HashSet<string> owned, Device device)
    {
        if (values.TryGetValue(name, out var v)) return v;
        if (inputs.TryGetValue(name, out var input)) return input;
        if (_bufferNames.TryGetValue(name, out string? buffer)) return get_buffer(buffer)!;
        if (_integerConstants.TryGetValue(name, out var constant))
        {
            var moved = constant.to(device);
            if (ReferenceEquals(moved, constant)) moved = constant.alias();
            values[name] = moved;
            owned.Add(name);
            return moved;
        }
        throw new InvalidOperationException($"ONNX model '{GetName()}': value '{name}' is not available.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            foreach (var t in _integerConstants.Values) t.Dispose();
        base.Dispose(disposing);
    }
}
