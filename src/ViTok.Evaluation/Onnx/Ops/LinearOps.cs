using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>Gemm: alpha * A' B' + beta * C, with A' and B' optionally transposed.</summary>
public sealed class GemmOp(double alpha, double beta, bool transA, bool transB) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        double alpha = a.Float("alpha", 1f), beta = a.Float("beta", 1f);
        bool transA = a.Int("transA", 0) != 0, transB = a.Int("transB", 0) != 0;
        a.Ignore("broadcast");   // opsets before 7: C always broadcasts here
        a.OnlyOutputs(1);
        return new GemmOp(alpha, beta, transA, transB);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs)
    {
        using var x = transA ? inputs[0]!.t() : inputs[0]!.alias();
        using var w = transB ? inputs[1]!.t() : inputs[1]!.alias();
        using var product = x.matmul(w);
        using Scalar a = alpha.ToScalar(), b = beta.ToScalar();
        using var scaled = alpha == 1 ? product.alias() : product * a;
        var c = inputs.Count > 2 ? inputs[2] : null;
        if (c is null) return [scaled.alias()];
        return [beta == 1 ? scaled.Plus(c) : scaled.Plus(c * b)];
    }
}

/// <summary>MatMul with numpy semantics (batched, broadcasting), as torch.matmul.</summary>
public sealed class MatMulOp : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        a.OnlyOutputs(1);
        return new MatMulOp();
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs) => [inputs[0]!.matmul(inputs[1]!)];
}
