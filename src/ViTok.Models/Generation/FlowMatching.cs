using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static ViTok.Models.Runtime.HeldScalars;

namespace ViTok.Models.Generation;

/// <summary>
/// Flow matching on the linear path x_t = (1 - t) x0 + t noise, t in [0, 1] (SiT / LightningDiT): the model predicts
/// the velocity noise - x0; sampling integrates dx/dt = v from t = 1 (noise) to t = 0 with Euler or Heun steps.
/// The model sees t scaled to [0, 1000] so the timestep embedding matches DiT's.
/// </summary>
public sealed class FlowMatching : IDiffusionObjective
{
    const double TimeScale = 1000;
    static readonly Scalar TimeScaleScalar = TimeScale.ToScalar();   // held: see HeldScalars
    static readonly Sampler[] OwnSamplers = [Sampler.Euler, Sampler.Heun];

    public DiffusionObjective Kind => DiffusionObjective.FlowMatching;
    public Sampler DefaultSampler => Sampler.Heun;
    public IReadOnlyList<Sampler> Samplers => OwnSamplers;
    public int MaxSamplingSteps => int.MaxValue;

    /// <inheritdoc/>
    /// <remarks>MSE between the predicted and the true velocity noise - x0 at t ~ U[0, 1).</remarks>
    public Tensor Loss(DiT model, Tensor x0, Tensor y, Generator generator)
    {
        using var scope = NewDisposeScope();
        var t = rand([x0.shape[0]], device: x0.device, generator: generator);
        var noise = randn(x0.shape, device: x0.device, generator: generator);
        var tt = t.view(-1, 1, 1);
        var xt = (One.Minus(tt) * x0).Plus(tt * noise);
        var v = model.forward(xt, t * TimeScaleScalar, y);
        return (v - (noise - x0)).Squared().mean().MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>Euler or Heun steps on the flow ODE from t = 1 to 0.</remarks>
    public Tensor Sample(DiT model, Tensor y, SamplingOptions options, IReadOnlyList<long>? seeds = null)
    {
        options.Validate(this);
        using var scope = NewDisposeScope();
        using var generator = new RowNoise(seeds ?? RowNoise.Seeds(options.Seed, 0, (int)y.shape[0]), y.device);
        var config = model.Config;
        var x = generator.Randn(config.Tokens, config.Channels);
        int n = options.Steps;
        Tensor Velocity(Tensor state, double t)
        {
            using Scalar scaled = (t * TimeScale).ToScalar();
            return Guidance.Predict(model, state, full([y.shape[0]], scaled, device: y.device), y, options.ScaleAt(t), config.Channels);
        }
        for (int i = n; i > 0; i--)
        {
            using var step = NewDisposeScope();
            double t = (double)i / n, tNext = (double)(i - 1) / n, dt = tNext - t;   // dt < 0
            using Scalar dtScalar = dt.ToScalar(), halfStep = (dt * 0.5).ToScalar();
            var v = Velocity(x, t);
            var euler = x.Plus(dtScalar * v);
            var next = options.Sampler == Sampler.Heun && i > 1 ? x.Plus(halfStep * v.Plus(Velocity(euler, tNext))) : euler;
            x = next.MoveToOuterDisposeScope();
        }
        return x.MoveToOuterDisposeScope();
    }
}
