using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>BatchNormalization in inference form: (x - mean) / sqrt(var + epsilon) * scale + bias, per channel.</summary>
public sealed class BatchNormalizationOp(double epsilon) : IOnnxOp
{
    public static IOnnxOp Create(NodeAttributes a)
    {
        double epsilon = a.Float("epsilon", 1e-5f);
        a.Ignore("momentum", "is_test", "consumed_inputs");   // training-time bookkeeping only
        if (a.Int("spatial", 1) != 1) throw a.Unsupported("spatial=0 (per-activation statistics) is not supported");
        if (a.Int("training_mode", 0) != 0) throw a.Unsupported("training_mode=1 is not supported");
        if (a.Node.Inputs.Count != 5) throw a.Unsupported($"BatchNormalization takes 5 inputs, this node has {a.Node.Inputs.Count}");
        a.OnlyOutputs(1);
        return new BatchNormalizationOp(epsilon);
    }

    public Tensor[] Run(IReadOnlyList<Tensor?> inputs) =>
        [nn.functional.batch_norm(inputs[0]!, inputs[3]!, inputs[4]!, inputs[1]!, inputs[2]!, training: false, eps: epsilon)];
}
