using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Metrics;

[TestClass]
public sealed class InceptionScoreTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void Uninformative_predictions_score_one()
    {
        using var scope = NewDisposeScope();
        var (mean, std) = InceptionScore.FromLogits(zeros(10, 7));
        Assert.AreEqual(1.0, mean, 1e-12);
        Assert.AreEqual(0.0, std, 1e-12);
    }

    [TestMethod]
    public void Confident_and_diverse_predictions_score_the_class_count()
    {
        using var scope = NewDisposeScope();
        const int classes = 5;
        // Two splits, each holding every class once with a confident (logit 60) prediction.
        var logits = zeros(2 * classes, classes);
        for (int i = 0; i < 2 * classes; i++) logits[i, i % classes] = 60;
        var (mean, std) = InceptionScore.FromLogits(logits, splits: 2);
        Assert.AreEqual(classes, mean, 1e-9);
        Assert.AreEqual(0.0, std, 1e-9);
    }

    [TestMethod]
    public void Matches_the_definition_on_random_logits()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        var logits = randn(12, 4, ScalarType.Float64) * 2;
        // exp(mean_x sum_y p(y|x) (log p(y|x) - log p(y))), written out with plain loops.
        var p = logits.softmax(1).data<double>().ToArray();
        var marginal = new double[4];
        for (int i = 0; i < 12; i++) for (int k = 0; k < 4; k++) marginal[k] += p[i * 4 + k] / 12;
        double kl = 0;
        for (int i = 0; i < 12; i++) for (int k = 0; k < 4; k++) kl += p[i * 4 + k] * (Math.Log(p[i * 4 + k]) - Math.Log(marginal[k])) / 12;
        Assert.AreEqual(Math.Exp(kl), InceptionScore.FromLogits(logits).Mean, 1e-12);
    }
}
