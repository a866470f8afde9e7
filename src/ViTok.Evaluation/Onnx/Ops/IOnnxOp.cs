using static TorchSharp.torch;

namespace ViTok.Models.Onnx.Ops;

/// <summary>
/// One ONNX node compiled for <see cref="OnnxModule"/>: its attributes were read and checked when the model was
/// loaded; running it only does tensor work. Omitted optional inputs arrive as null. Every returned tensor must be
/// a new handle (never one of the inputs), because the executor disposes intermediates when their last reader ran.
/// </summary>
public interface IOnnxOp
{
    Tensor[] Run(IReadOnlyList<Tensor?> inputs);
}
