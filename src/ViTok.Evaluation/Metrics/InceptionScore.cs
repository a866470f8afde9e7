using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// Inception Score from a classifier's logits: exp(E_x KL(p(y|x) || p(y))), with p(y) the mean prediction of each
/// split, reported as the mean and standard deviation over splits (Salimans et al. 2016 use 10 splits of
/// Inception-v3 predictions; with another classifier the score is named after it, e.g. "IS-{network}").
/// </summary>
public static class InceptionScore
{
    public static (double Mean, double Std) FromLogits(Tensor logits, int splits = 1)
    {
        if (logits.dim() != 2) throw new ArgumentException($"Logits must be [N, classes]; got [{string.Join(", ", logits.shape)}].");
        long n = logits.shape[0];
        if (splits < 1 || splits > n) throw new ArgumentException($"Splits must be between 1 and the number of images ({n}); got {splits}.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logP = nn.functional.log_softmax(logits.detach().to(ScalarType.Float64), 1);
        var scores = new List<double>();
        for (int s = 0; s < splits; s++)
        {
            long from = n * s / splits, to = n * (s + 1) / splits;
            var part = logP.narrow(0, from, to - from);
            var logMarginal = part.exp().mean([0]).log();
            var kl = (part.exp() * (part - logMarginal)).sum(1).mean();
            scores.Add(Math.Exp(kl.item<double>()));
        }
        double mean = scores.Average();
        double std = Math.Sqrt(scores.Select(v => (v - mean) * (v - mean)).Average());
        return (mean, std);
    }
}
