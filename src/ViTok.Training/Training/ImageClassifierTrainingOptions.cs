namespace ViTok.Models.Training;

/// <summary>
/// How <see cref="ImageClassifierTrainer"/> trains an image classifier: a fixed number of epochs of AdamW with a
/// short linear warm-up and cosine decay, cross-entropy, random horizontal flips.
/// </summary>
public sealed record ImageClassifierTrainingOptions : TrainingOptions
{
    /// <summary>The default of every option, in one place (the CLI refers to these); the ones every recipe shares are inherited.</summary>
    public new sealed class Defaults : TrainingOptions.Defaults
    {
        Defaults() { }
        public const int Epochs = 5;
        public const int BatchSize = 128;
        public const double LearningRate = 2e-3;
        public const double WarmupFraction = 0.03;
        public const double LearningRateFloor = 0;
        public const double Beta2 = 0.999;
        public const double WeightDecay = 0.01;
        public const double FlipProbability = 0.5;
        public const int Workers = 1;
        public const int LogEvery = 50;
        public const int EvalBatchSize = 256;
    }

    public ImageClassifierTrainingOptions()
        : base(Defaults.BatchSize, Defaults.LearningRate, Defaults.WarmupFraction, Defaults.LearningRateFloor, Defaults.Beta2, Defaults.WeightDecay, Defaults.LogEvery)
    {
    }

    /// <summary>Passes over the training data; default <see cref="Defaults.Epochs"/>. (The last batch of an epoch may be smaller.)</summary>
    public int Epochs { get; init; } = Defaults.Epochs;

    /// <summary>Probability of flipping a training image horizontally (default <see cref="Defaults.FlipProbability"/>; 0 turns augmentation off).</summary>
    public double FlipProbability { get; init; } = Defaults.FlipProbability;

    /// <summary>Channels of the classifier's stages (<see cref="Metrics.ImageClassifierConfig.Widths"/>, default 32, 64, 128, 128).</summary>
    public IReadOnlyList<int> Widths { get; init; } = Metrics.ImageClassifierConfig.DefaultWidths;

    /// <summary>Background threads decoding training batches; default <see cref="Defaults.Workers"/>.</summary>
    public int Workers { get; init; } = Defaults.Workers;

    /// <summary>Images per forward pass when measuring test accuracy; default <see cref="Defaults.EvalBatchSize"/>.</summary>
    public int EvalBatchSize { get; init; } = Defaults.EvalBatchSize;

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Epochs >= 1, $"epochs {Epochs} must be at least 1");
        base.Validate();
        Require(FlipProbability is >= 0 and <= 1, $"flip probability {FlipProbability} must be in [0, 1]");
        Require(Widths is { Count: >= 1 } && Widths.All(w => w >= 1), $"stage widths [{string.Join(", ", Widths ?? [])}] must be at least one positive count");
        Require(Workers >= 1, $"workers {Workers} must be at least 1");
        Require(EvalBatchSize >= 1, $"evaluation batch size {EvalBatchSize} must be at least 1");
    }
}
