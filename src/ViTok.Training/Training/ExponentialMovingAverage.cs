using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// An exponential moving average of a module's parameters and buffers, kept in a twin module of the same
/// architecture (so it can be evaluated and exported like the original). Decay warms up as in timm/DiT practice:
/// min(decay, (1 + step) / (10 + step)), so short runs are not dominated by the initial weights.
/// </summary>
public sealed class ExponentialMovingAverage
{
    readonly nn.Module _source;
    public nn.Module Average { get; }
    public double Decay { get; }

    public ExponentialMovingAverage(nn.Module source, nn.Module average, double decay)
    {
        _source = source;
        Average = average;
        Decay = decay;
        using var _ = no_grad();
        var src = source.state_dict();
        foreach (var (name, t) in average.state_dict()) t.copy_(src[name]);
        foreach (var p in average.parameters()) p.requires_grad = false;
    }

    public void Update(long step)
    {
        double d = Math.Min(Decay, (1.0 + step) / (10.0 + step));
        using var _ = no_grad();
        using Scalar keep = d.ToScalar(), take = (1 - d).ToScalar();   // held for the whole update (see AdamW.StepWith)
        var src = _source.state_dict();
        var trained = _source.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToHashSet();
        foreach (var (name, t) in Average.state_dict())
        {
            var s = src[name];
            if (trained.Contains(name) && t.is_floating_point()) t.mul_(keep).add_(s, alpha: take);
            else t.copy_(s);   // frozen weights (stage-2 encoder) and buffers are copied, not averaged
        }
    }
}
