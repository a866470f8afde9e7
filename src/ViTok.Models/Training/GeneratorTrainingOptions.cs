using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViTok.Models.Training;

/// <summary>
/// Generator (DiT) training options. <see cref="Defaults"/> are the DiT paper's (AdamW, constant learning rate, no
/// weight decay) unless a comment says otherwise. Small CPU runs usually want far fewer steps and a higher peak with
/// warm-up and cosine decay (e.g. --lr 1e-3 --lr-floor 0.1).
/// </summary>
public sealed record GeneratorTrainingOptions
{
    /// <summary>The default of every option, in one place (the CLI and the ML.NET options refer to these).</summary>
    public static class Defaults
    {
        public const long Steps = 400_000;
        public const int BatchSize = 256;
        public const long Seed = 0;
        public const double LearningRate = 1e-4;
        /// <summary>DiT: no warm-up.</summary>
        public const double WarmupFraction = 0;
        /// <summary>1 keeps the rate constant (DiT).</summary>
        public const double LearningRateFloor = 1.0;
        public const double Beta1 = 0.9;
        public const double Beta2 = 0.999;
        public const double WeightDecay = 0;
        /// <summary>Not in DiT; LightningDiT clips at 1.0, which guards small-batch CPU runs.</summary>
        public const double GradClip = 1.0;
        public const double EmaDecay = 0.9999;
        public const int CheckpointEvery = 1000;
        public const int KeepCheckpoints = 3;
        public const int LogEvery = 10;
    }

    public long Steps { get; init; } = Defaults.Steps;
    public int BatchSize { get; init; } = Defaults.BatchSize;
    public long Seed { get; init; } = Defaults.Seed;

    public double LearningRate { get; init; } = Defaults.LearningRate;
    /// <summary>Linear warm-up as a fraction of the steps.</summary>
    public double WarmupFraction { get; init; } = Defaults.WarmupFraction;
    /// <summary>Cosine decay ends at this fraction of the peak; 1 keeps the rate constant.</summary>
    public double LearningRateFloor { get; init; } = Defaults.LearningRateFloor;
    public double Beta1 { get; init; } = Defaults.Beta1;
    public double Beta2 { get; init; } = Defaults.Beta2;
    public double WeightDecay { get; init; } = Defaults.WeightDecay;
    /// <summary>Global gradient-norm clip; default <see cref="Defaults.GradClip"/>.</summary>
    public double GradClip { get; init; } = Defaults.GradClip;
    public double EmaDecay { get; init; } = Defaults.EmaDecay;

    public int CheckpointEvery { get; init; } = Defaults.CheckpointEvery;
    public int KeepCheckpoints { get; init; } = Defaults.KeepCheckpoints;
    public int LogEvery { get; init; } = Defaults.LogEvery;

    /// <summary>
    /// Resume even when the checkpoint was written with other options (seed, batch, learning rate...) or on other
    /// latents; without it such a resume is refused, naming each change. Steps and the log/checkpoint cadence may
    /// always change. Not stored.
    /// </summary>
    [JsonIgnore] public bool ResumeWithChangedOptions { get; init; }

    /// <summary>Options a resumed run may change: its length and its cadence.</summary>
    internal static readonly IReadOnlySet<string> MayChangeOnResume = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { nameof(Steps), nameof(CheckpointEvery), nameof(KeepCheckpoints), nameof(LogEvery) };

    static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option at fault.</summary>
    public void Validate()
    {
        void Require(bool ok, string message) { if (!ok) throw new ArgumentException(message); }
        Require(Steps >= 1, $"steps {Steps} must be at least 1");
        Require(BatchSize >= 1, $"batch size {BatchSize} must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate {LearningRate} must be positive");
        Require(WarmupFraction is >= 0 and < 1, $"warm-up fraction {WarmupFraction} must be in [0, 1)");
        Require(LearningRateFloor is > 0 and <= 1, $"learning-rate floor {LearningRateFloor} must be in (0, 1]");
        Require(WeightDecay >= 0, $"weight decay {WeightDecay} must not be negative");
        Require(GradClip > 0, $"gradient clip {GradClip} must be positive");
        Require(EmaDecay is >= 0 and < 1, $"EMA decay {EmaDecay} must be in [0, 1)");
        Require(CheckpointEvery >= 1 && KeepCheckpoints >= 1 && LogEvery >= 1, "checkpoint and log intervals and the number of checkpoints kept must be at least 1");
    }
}
