using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ViTok.Models.Layers;

/// <summary>
/// Mixed precision for CPU training, the part of torch.autocast that matters here (TorchSharp has no autocast):
/// inside <see cref="Bf16"/>, matrix products (linear layers, tubelet projections) run in bfloat16 on bfloat16
/// copies of their fp32 weights, while norms, softmax statistics, residual sums, losses and the weights themselves
/// stay in fp32. Gradients flow back through the casts into the fp32 weights. The scope is per thread.
/// The residual stream is fp32 because each model starts it with <see cref="Residual"/>: a bf16 matrix product's
/// output added to an fp32 stream promotes back to fp32, as under torch.autocast. Measured against an fp32 stream
/// (2026-12-01, docs/benchmarks.md#bf16-residual-stream), a bf16 stream cost gradient accuracy on trained models.
/// </summary>
public static class Autocast
{
    [ThreadStatic] static int _depth;

    public static bool IsActive => _depth > 0;

    /// <summary>Enables bfloat16 matrix products on this thread until the returned object is disposed.</summary>
    public static IDisposable Bf16(bool enabled = true) => new Scope(enabled);

    /// <summary>y = x Wᵀ + b, in bfloat16 when the scope is active (result stays bfloat16; sums with fp32 promote back).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (!IsActive || x.dtype == ScalarType.BFloat16 && weight.dtype == ScalarType.BFloat16)
            return nn.functional.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        var y = nn.functional.linear(x.to(ScalarType.BFloat16), weight.to(ScalarType.BFloat16), bias?.to(ScalarType.BFloat16));
        return y.MoveToOuterDisposeScope();
    }

    public static Tensor Linear(Linear layer, Tensor x) => Linear(x, layer.weight!, layer.bias);

    /// <summary>
    /// Starts a residual stream from an embedding's output: in fp32 when the scope is active (the embedding's matrix
    /// product gave bfloat16), unchanged otherwise (fp32 models, and models converted to bfloat16 for inference).
    /// </summary>
    public static Tensor Residual(Tensor x) =>
        IsActive && x.dtype == ScalarType.BFloat16 ? x.to(ScalarType.Float32) : x;

    sealed class Scope : IDisposable
    {
        readonly bool _enabled;
        bool _disposed;

        public Scope(bool enabled)
        {
            _enabled = enabled;
            if (enabled) _depth++;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (_enabled) _depth--;
        }
    }
}
