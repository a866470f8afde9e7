using System.Text.Json;

namespace ViTok.Models.Training;

/// <summary>
/// How <see cref="ImageClassifierTrainer"/> trains an image classifier: a fixed number of epochs of AdamW with a
/// short linear warm-up and cosine decay, cross-entropy, random horizontal flips.
/// </summary>
public sealed record ImageClassifierTrainingOptions
{
    /// <summary>The default of every option, in one place (the CLI refers to these).</summary>
    public static class Defaults
    {
        public const int Epochs = 5;
        public const int BatchSize = 128;
        public const double LearningRate = 2e-3;
        public const double WarmupFraction = 0.03;
        public const double LearningRateFloor = 0;
        public const double Beta1 = 0.9;
        public const double Beta2 = 0.999;
        public const double WeightDecay = 0.01;
        public const double FlipProbability = 0.5;
        public const long Seed = 0;
        public const int Workers = 1;
        public const int LogEvery = 50;
        public const int EvalBatchSize = 256;
    }

    /// <summary>Passes over the training data; default <see cref="Defaults.Epochs"/>.</summary>
    public int Epochs { get; init; } = Defaults.Epochs;

    /// <summary>Images per step (default <see cref="Defaults.BatchSize"/>). The last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = Defaults.BatchSize;

    /// <summary>Peak learning rate; default <see cref="Defaults.LearningRate"/>.</summary>
    public double LearningRate { get; init; } = Defaults.LearningRate;

    /// <summary>Fraction of the steps spent warming up linearly; default <see cref="Defaults.WarmupFraction"/>.</summary>
    public double WarmupFraction { get; init; } = Defaults.WarmupFraction;

    /// <summary>Cosine decay ends at this fraction of the peak; default <see cref="Defaults.LearningRateFloor"/>.</summary>
    public double LearningRateFloor { get; init; } = Defaults.LearningRateFloor;

    public double Beta1 { get; init; } = Defaults.Beta1;
    public double Beta2 { get; init; } = Defaults.Beta2;

    /// <summary>Decoupled weight decay of kernels and matrices; default <see cref="Defaults.WeightDecay"/>.</summary>
    public double WeightDecay { get; init; } = Defaults.WeightDecay;

    /// <summary>Probability of flipping a training image horizontally (default <see cref="Defaults.FlipProbability"/>; 0 turns augmentation off).</summary>
    public double FlipProbability { get; init; } = Defaults.FlipProbability;

    /// <summary>Seeds the initialisation, the data order and the flips.</summary>
    public long Seed { get; init; } = Defaults.Seed;

    /// <summary>Channels of the classifier's stages (<see cref="Metrics.ImageClassifierConfig.Widths"/>, default 32, 64, 128, 128).</summary>
    public IReadOnlyList<int> Widths { get; init; } = Metrics.ImageClassifierConfig.DefaultWidths;

    /// <summary>Background threads decoding training batches; default <see cref="Defaults.Workers"/>.</summary>
    public int Workers { get; init; } = Defaults.Workers;

    /// <summary>Steps between progress reports; default <see cref="Defaults.LogEvery"/>.</summary>
    public int LogEvery { get; init; } = Defaults.LogEvery;

    /// <summary>Images per forward pass when measuring test accuracy; default <see cref="Defaults.EvalBatchSize"/>.</summary>
    public int EvalBatchSize { get; init; } = Defaults.EvalBatchSize;

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
