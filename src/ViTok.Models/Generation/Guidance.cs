using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>Classifier-free guidance: one batched pass over the conditional and the null labels.</summary>
public static class Guidance
{
    /// <summary>Model output with the first <paramref name="guided"/> channels guided: u + s (c - u); the rest conditional.</summary>
    public static Tensor Predict(DiT model, Tensor x, Tensor t, Tensor y, double scale, int guided)
    {
        if (scale == 1.0) return model.call(x, t, y);            // call, as model(x) in PyTorch: runs hooks
        using var scope = NewDisposeScope();
        using Scalar nullClass = model.NullClass.ToScalar(), s = scale.ToScalar();
        var both = model.call(cat([x, x], 0), cat([t, t], 0), cat([y, full_like(y, nullClass)], 0));
        var (cond, uncond) = (both[..(int)x.shape[0]], both[(int)x.shape[0]..]);
        var guidedPart = uncond[.., .., ..guided].Plus(s * (cond[.., .., ..guided] - uncond[.., .., ..guided]));
        var result = guided == cond.shape[2] ? guidedPart : cat([guidedPart, cond[.., .., guided..]], 2);
        return result.MoveToOuterDisposeScope();
    }
}
