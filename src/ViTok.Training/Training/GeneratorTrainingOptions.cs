namespace ViTok.Models.Training;

/// <summary>
/// Generator (DiT) training options. <see cref="Defaults"/> are the DiT paper's (AdamW, constant learning rate, no
/// weight decay) unless a comment says otherwise. Small CPU runs usually want far fewer steps and a higher peak with
/// warm-up and cosine decay (e.g. --lr 1e-3 --lr-floor 0.1).
/// </summary>
public sealed record GeneratorTrainingOptions : SteppedTrainingOptions
{
    /// <summary>The default of every option, in one place (the CLI and the ML.NET options refer to these); the ones every
    /// recipe shares are inherited.</summary>
    public new sealed class Defaults : SteppedTrainingOptions.Defaults
    {
        Defaults() { }
        public const long Steps = 400_000;
        public const int BatchSize = 256;
        public const double LearningRate = 1e-4;
        /// <summary>DiT: no warm-up.</summary>
        public const double WarmupFraction = 0;
        /// <summary>1 keeps the rate constant (DiT).</summary>
        public const double LearningRateFloor = 1.0;
        public const double Beta2 = 0.999;
        public const double WeightDecay = 0;
        public const int CheckpointEvery = 1000;
    }

    public GeneratorTrainingOptions()
        : base(Defaults.Steps, Defaults.BatchSize, Defaults.LearningRate, Defaults.WarmupFraction, Defaults.LearningRateFloor,
            Defaults.Beta2, Defaults.WeightDecay, Defaults.CheckpointEvery)
    {
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
        Require(LearningRateFloor > 0, $"learning-rate floor {LearningRateFloor} must be in (0, 1]");
    }
}
