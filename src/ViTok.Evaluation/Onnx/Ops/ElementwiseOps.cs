using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>
/// Add, Sub, Mul, Div, Pow with numpy broadcasting (and the legacy broadcast/axis attributes of opsets before 7).
/// Integer Div truncates, as ONNX defines it.
/// </summary>
public sealed class BinaryOp(string op, long? legacyAxis) : IOnnxOp
{
    public static Func<NodeAttributes, IOnnxOp> Factory(string op) => a =>
    {
        long? axis = null;
        if (a.Int("broadcast", 0) != 0) axis = a.Has("axis") ? a.Int("axis", 0) : null;
        else a.Ignore("axis");
        a.Ignore("consumed_inputs");
        if (a.Node.Inputs.Count != 2) throw a.Unsupported($"{op} takes 2 inputs, this node has {a.Node.Inputs.Count}");
        a.OnlyOutputs(1);
        return new BinaryOp(op, axis);
    };

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var y = inputs[1]!;
        using var aligned = legacyAxis is long axis ? Align(x, y, axis) : null;
        var b = aligned ?? y;
        return [op switch
        {
            "Add" => x.Plus(b),
            "Sub" => x - b,
            "Mul" => x * b,
            "Div" => x.is_floating_point() ? x / b : x.div(b, RoundingMode.trunc),
            _ => x.pow(b),
        }];
    }

    // Opset < 7: B's dimensions line up with A's starting at axis.
    static Tensor Align(Tensor a, Tensor b, long axis)
    {
        if (axis < 0) axis += a.dim();
        long trailing = a.dim() - axis - b.dim();
        return trailing <= 0 ? b.alias() : b.reshape([.. b.shape, .. Enumerable.Repeat(1L, (int)trailing)]);
    }
}

/// <summary>One-input elementwise ops: Relu, LeakyRelu, Sigmoid, Tanh, Sqrt, Exp, Abs, Neg, Clip, Identity, Dropout.</summary>
public sealed class UnaryOp(Func<IReadOnlyList<Tensor?>, Tensor> f) : IOnnxOp
{
    public static Func<NodeAttributes, IOnnxOp> Factory(string op) => a =>
    {
        a.Ignore("consumed_inputs");
        Func<IReadOnlyList<Tensor?>, Tensor> f;
        switch (op)
        {
            case "Relu": f = i => i[0]!.relu(); break;
            case "Sigmoid": f = i => i[0]!.sigmoid(); break;
            case "Tanh": f = i => i[0]!.tanh(); break;
            case "Sqrt": f = i => i[0]!.sqrt(); break;
            case "Exp": f = i => i[0]!.exp(); break;
            case "Abs": f = i => i[0]!.abs(); break;
            case "Neg": f = i => i[0]!.neg(); break;
            case "Identity": f = i => i[0]!.alias(); break;
            case "LeakyRelu":
            {
                double alpha = a.Float("alpha", 0.01f);
                f = i =>
                {
                    using Scalar slope = alpha.ToScalar();
                    return i[0]!.leaky_relu(slope);
                };
                break;
            }
            case "Dropout":
            {
                a.Ignore("ratio", "seed", "is_test");   // inference: Dropout is the identity
                if (a.Int("training_mode", 0) != 0) throw a.Unsupported("training_mode=1 is not supported");
                a.OnlyOutputs(1);
                f = i => i[0]!.alias();
                break;
            }
            case "Clip" when a.Opset < 11:
            {
                double min = a.Float("min", float.NegativeInfinity), max = a.Float("max", float.PositiveInfinity);
                f = i =>
                {
                    using Scalar low = min.ToScalar(), high = max.ToScalar();
                    return i[0]!.clamp(low, high);
                };
                break;
            }
            case "Clip":
                f = i => i[0]!.clamp(i.Count > 1 ? i[1] : null, i.Count > 2 ? i[2] : null);
                break;
            default: throw new ArgumentException($"Unknown unary op {op}.", nameof(op));
        }
        a.OnlyOutputs(1);
        return new UnaryOp(f);
    };

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs) => [f(inputs)];
}

/// <summary>Sum: elementwise sum of any number of inputs, with broadcasting.</summary>
public sealed class SumOp : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        a.Ignore("consumed_inputs");
        a.OnlyOutputs(1);
        return new SumOp();
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        var sum = inputs[0]!.alias();
        foreach (var t in inputs.Skip(1))
        {
            var next = sum.Plus(t!);
            sum.Dispose();
            sum = next;
        }
        return [sum];
    }
}
