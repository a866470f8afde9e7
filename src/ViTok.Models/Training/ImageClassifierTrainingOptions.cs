using System.Text.Json;

namespace ViTok.Models.Training;

/// <summary>
/// How <see cref="ImageClassifierTrainer"/> trains an image classifier: a fixed number of epochs of AdamW with a
/// short linear warm-up and cosine decay, cross-entropy, random horizontal flips.
/// </summary>
public sealed record ImageClassifierTrainingOptions
{
    /// <summary>Passes over the training data (default 5).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Images per step (default 128). The last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate (default 2e-3).</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Fraction of the steps spent warming up linearly (default 0.03).</summary>
    public double WarmupFraction { get; init; } = 0.03;

    /// <summary>Cosine decay ends at this fraction of the peak (default 0).</summary>
    public double LearningRateFloor { get; init; }

    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Decoupled weight decay of kernels and matrices (default 0.01).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Probability of flipping a training image horizontally (default 0.5; 0 turns augmentation off).</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Seeds the initialisation, the data order and the flips.</summary>
    public long Seed { get; init; }

    /// <summary>Channels of the classifier's stages (<see cref="Metrics.ImageClassifierConfig.Widths"/>, default 32, 64, 128, 128).</summary>
    public IReadOnlyList<int> Widths { get; init; } = Metrics.ImageClassifierConfig.DefaultWidths;

    /// <summary>Background threads decoding training batches (default 1).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Steps between progress reports (default 50).</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Images per forward pass when measuring test accuracy (default 256).</summary>
    public int EvalBatchSize { get; init; } = 256;

    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option at fault.</summary>
    public void Validate()
    {
        void Require(bool ok, string message) { if (!ok) throw new ArgumentException(message); }
        Require(Epochs >= 1, $"Epochs must be at least 1, not {Epochs}.");
        Require(BatchSize >= 1, $"Batch size must be at least 1, not {BatchSize}.");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"Learning rate must be positive, not {LearningRate}.");
        Require(WarmupFraction is >= 0 and < 1, $"Warm-up fraction must be in [0, 1), not {WarmupFraction}.");
        Require(LearningRateFloor is >= 0 and <= 1, $"Learning-rate floor must be in [0, 1], not {LearningRateFloor}.");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, $"Adam betas must be in [0, 1), not {Beta1} and {Beta2}.");
        Require(WeightDecay >= 0, $"Weight decay must not be negative, not {WeightDecay}.");
        Require(FlipProbability is >= 0 and <= 1, $"Flip probability must be in [0, 1], not {FlipProbability}.");
        Require(Widths is { Count: >= 1 } && Widths.All(w => w >= 1), $"Stage widths must be at least one positive count, not [{string.Join(", ", Widths ?? [])}].");
        Require(Workers >= 1, $"Workers must be at least 1, not {Workers}.");
        Require(LogEvery >= 1, $"Log interval must be at least 1, not {LogEvery}.");
        Require(EvalBatchSize >= 1, $"Evaluation batch size must be at least 1, not {EvalBatchSize}.");
    }
}
