using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViTok.Models.Training;

/// <summary>
/// The paper's recipe (section 3, appendix) as options; defaults are the paper's unless a comment says otherwise.
/// Stage 1 trains the whole auto-encoder with MSE (+ L1), KL and a perceptual loss. Stage 2 freezes the encoder and
/// fine-tunes the decoder with a GAN loss added.
/// </summary>
public sealed record TokenizerTrainingOptions
{
    /// <summary>The default of every option, in one place (the CLI and the ML.NET options refer to these).</summary>
    public static class Defaults
    {
        public const int Stage = 1;
        public const long Steps = 10_000;
        public const int BatchSize = 32;
        public const long Seed = 0;
        /// <summary>The paper's peak at its batch of 256; small CPU runs usually want more (e.g. 1e-3).</summary>
        public const double LearningRate = 1e-4;
        public const double WarmupFraction = 0.03;
        /// <summary>Not in the paper; 0.1 is common.</summary>
        public const double LearningRateFloor = 0.1;
        public const double Beta1 = 0.9;
        public const double Beta2 = 0.95;
        public const double WeightDecay = 1e-4;
        public const double GradClip = 1.0;
        /// <summary>The paper adds no L1 term; the authors' release adds a small one.</summary>
        public const double L1Weight = 0;
        /// <summary>KL weight beta.</summary>
        public const double KlWeight = 1e-3;
        /// <summary>Perceptual weight eta (the paper's).</summary>
        public const double PerceptualWeight = 1.0;
        /// <summary>Stage-2 generator GAN weight lambda (appendix: 0.05 best).</summary>
        public const double GanWeight = 0.05;
        public const double DiscriminatorLearningRate = 2e-5;
        public const long GanWarmupSteps = 200;
        public const long GanRampSteps = 500;
        public const int DiscriminatorChannels = 64;
        /// <summary>The paper's EMA decay.</summary>
        public const double EmaDecay = 0.9999;
        public const int CheckpointEvery = 500;
        public const int KeepCheckpoints = 3;
        /// <summary>Evaluation (with FD-ResNet18, slow on a CPU) every 1000 steps, as `vitok train` always did.</summary>
        public const int EvalEvery = 1000;
        public const int EvalItems = 256;
        public const int LogEvery = 10;
    }

    public int Stage { get; init; } = Defaults.Stage;
    public long Steps { get; init; } = Defaults.Steps;
    public int BatchSize { get; init; } = Defaults.BatchSize;
    public long Seed { get; init; } = Defaults.Seed;

    /// <summary>Peak learning rate; default <see cref="Defaults.LearningRate"/>.</summary>
    public double LearningRate { get; init; } = Defaults.LearningRate;
    public double WarmupFraction { get; init; } = Defaults.WarmupFraction;
    /// <summary>Cosine decay ends at this fraction of the peak; default <see cref="Defaults.LearningRateFloor"/>.</summary>
    public double LearningRateFloor { get; init; } = Defaults.LearningRateFloor;
    public double Beta1 { get; init; } = Defaults.Beta1;
    public double Beta2 { get; init; } = Defaults.Beta2;
    public double WeightDecay { get; init; } = Defaults.WeightDecay;
    public double GradClip { get; init; } = Defaults.GradClip;

    /// <summary>Weight of the L1 term; default <see cref="Defaults.L1Weight"/>.</summary>
    public double L1Weight { get; init; } = Defaults.L1Weight;
    /// <summary>KL weight beta; default <see cref="Defaults.KlWeight"/>.</summary>
    public double KlWeight { get; init; } = Defaults.KlWeight;
    /// <summary>Perceptual loss weight eta (default <see cref="Defaults.PerceptualWeight"/>); ignored when no perceptual network is given.</summary>
    public double PerceptualWeight { get; init; } = Defaults.PerceptualWeight;

    /// <summary>Stage 2: generator GAN weight lambda; default <see cref="Defaults.GanWeight"/>.</summary>
    public double GanWeight { get; init; } = Defaults.GanWeight;
    /// <summary>Stage 2: discriminator learning rate; default <see cref="Defaults.DiscriminatorLearningRate"/>.</summary>
    public double DiscriminatorLearningRate { get; init; } = Defaults.DiscriminatorLearningRate;
    /// <summary>Stage 2: steps during which only the discriminator learns (generator GAN weight 0).</summary>
    public long GanWarmupSteps { get; init; } = Defaults.GanWarmupSteps;
    /// <summary>Stage 2: steps over which the generator GAN weight ramps linearly from 0 to <see cref="GanWeight"/>.</summary>
    public long GanRampSteps { get; init; } = Defaults.GanRampSteps;
    /// <summary>Stage 2: discriminator width at full resolution.</summary>
    public int DiscriminatorChannels { get; init; } = Defaults.DiscriminatorChannels;

    /// <summary>EMA decay (default <see cref="Defaults.EmaDecay"/>; warmed up as min(decay, (1+s)/(10+s))).</summary>
    public double EmaDecay { get; init; } = Defaults.EmaDecay;

    /// <summary>Run matrix products in bfloat16 with fp32 weights (<see cref="Layers.Autocast"/>). Default off.</summary>
    public bool Bf16 { get; init; }

    public int CheckpointEvery { get; init; } = Defaults.CheckpointEvery;
    public int KeepCheckpoints { get; init; } = Defaults.KeepCheckpoints;
    public int EvalEvery { get; init; } = Defaults.EvalEvery;
    /// <summary>Held-out items evaluated at each evaluation.</summary>
    public int EvalItems { get; init; } = Defaults.EvalItems;
    public int LogEvery { get; init; } = Defaults.LogEvery;

    /// <summary>Skip unreadable items (counted and listed at the end) instead of stopping. Default false.</summary>
    public bool SkipBadItems { get; init; }

    /// <summary>
    /// Resume even when the checkpoint was written with other options (seed, batch, learning rate, loss weights...);
    /// without it such a resume is refused, naming each changed option. Steps and the log/eval/checkpoint cadence may
    /// always change. Not stored.
    /// </summary>
    [JsonIgnore] public bool ResumeWithChangedOptions { get; init; }

    /// <summary>Options a resumed run may change: its length and its cadence.</summary>
    internal static readonly IReadOnlySet<string> MayChangeOnResume = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { nameof(Steps), nameof(CheckpointEvery), nameof(KeepCheckpoints), nameof(EvalEvery), nameof(EvalItems), nameof(LogEvery), nameof(SkipBadItems) };

    static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static TokenizerTrainingOptions FromJson(string json) =>
        JsonSerializer.Deserialize<TokenizerTrainingOptions>(json, Json) ?? throw new InvalidDataException("Training options are empty.");

    /// <summary>Throws <see cref="ArgumentException"/> naming the option at fault.</summary>
    public void Validate()
    {
        void Require(bool ok, string message) { if (!ok) throw new ArgumentException(message); }
        Require(Stage is 1 or 2, $"stage {Stage} is not 1 or 2");
        Require(Steps >= 1, $"steps {Steps} must be at least 1");
        Require(BatchSize >= 1, $"batch size {BatchSize} must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate {LearningRate} must be positive");
        Require(WarmupFraction is >= 0 and < 1, $"warm-up fraction {WarmupFraction} must be in [0, 1)");
        Require(KlWeight >= 0 && L1Weight >= 0 && PerceptualWeight >= 0 && GanWeight >= 0, "loss weights must not be negative");
        Require(GradClip > 0, $"gradient clip {GradClip} must be positive");
        Require(EmaDecay is >= 0 and < 1, $"EMA decay {EmaDecay} must be in [0, 1)");
        Require(CheckpointEvery >= 1 && KeepCheckpoints >= 1 && EvalEvery >= 1 && LogEvery >= 1, "checkpoint, eval and log intervals and the number of checkpoints kept must be at least 1");
    }
}
