using System.Text.Json.Serialization;

namespace ViTok.Models.Training;

/// <summary>
/// The options of a training run counted in optimiser steps with EMA weights and resumable checkpoints (the tokenizer
/// and generator trainers, through <see cref="TrainingLoop"/>): steps, gradient clipping, the EMA decay and the
/// checkpoint cadence, besides what every trainer shares (<see cref="TrainingOptions"/>).
/// </summary>
public abstract record SteppedTrainingOptions : TrainingOptions
{
    /// <summary>The defaults every stepped recipe shares.</summary>
    public new class Defaults : TrainingOptions.Defaults
    {
        private protected Defaults() { }
        /// <summary>Global gradient-norm clip (not in DiT; LightningDiT clips at 1.0, which guards small-batch CPU runs).</summary>
        public const double GradClip = 1.0;
        /// <summary>The ViTok and DiT papers' EMA decay.</summary>
        public const double EmaDecay = 0.9999;
        public const int KeepCheckpoints = 3;
        public const int LogEvery = 10;
    }

    /// <summary>A recipe's defaults of the shared options (the derived options pass their own <c>Defaults</c>).</summary>
    private protected SteppedTrainingOptions(long steps, int batchSize, double learningRate, double warmupFraction, double learningRateFloor,
        double beta2, double weightDecay, int checkpointEvery)
        : base(batchSize, learningRate, warmupFraction, learningRateFloor, beta2, weightDecay, Defaults.LogEvery)
    {
        Steps = steps;
        CheckpointEvery = checkpointEvery;
    }

    /// <summary>Optimiser steps of the whole run.</summary>
    public long Steps { get; init; }

    /// <summary>Global gradient-norm clip; default <see cref="Defaults.GradClip"/>.</summary>
    public double GradClip { get; init; } = Defaults.GradClip;

    /// <summary>EMA decay (default <see cref="Defaults.EmaDecay"/>; warmed up as min(decay, (1+s)/(10+s))).</summary>
    public double EmaDecay { get; init; } = Defaults.EmaDecay;

    /// <summary>Steps between checkpoints.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Checkpoints kept (the newest); default <see cref="Defaults.KeepCheckpoints"/>.</summary>
    public int KeepCheckpoints { get; init; } = Defaults.KeepCheckpoints;

    /// <summary>
    /// Resume even when the checkpoint was written with other options (seed, batch, learning rate, loss weights...) or
    /// on other data; without it such a resume is refused, naming each change. The options of
    /// <see cref="MayChangeOnResume"/> may always change. Not stored.
    /// </summary>
    [JsonIgnore] public bool ResumeWithChangedOptions { get; init; }

    /// <summary>Options a resumed run may change: its length and its cadence.</summary>
    internal virtual IReadOnlySet<string> MayChangeOnResume => StepsAndCadence;

    private protected static readonly IReadOnlySet<string> StepsAndCadence = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { nameof(Steps), nameof(CheckpointEvery), nameof(KeepCheckpoints), nameof(LogEvery) };

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Steps >= 1, $"steps {Steps} must be at least 1");
        base.Validate();
        Require(GradClip > 0, $"gradient clip {GradClip} must be positive");
        Require(EmaDecay is >= 0 and < 1, $"EMA decay {EmaDecay} must be in [0, 1)");
        Require(CheckpointEvery >= 1 && KeepCheckpoints >= 1, "the checkpoint interval and the number of checkpoints kept must be at least 1");
    }
}
