using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViTok.Models.Training;

/// <summary>
/// The paper's recipe (section 3, appendix) as options; defaults are the paper's unless a comment says otherwise.
/// Stage 1 trains the whole auto-encoder with MSE (+ L1), KL and a perceptual loss. Stage 2 freezes the encoder and
/// fine-tunes the decoder with a GAN loss added.
/// </summary>
public sealed record TokenizerTrainingOptions : SteppedTrainingOptions
{
    /// <summary>The default of every option, in one place (the CLI and the ML.NET options refer to these); the ones every
    /// recipe shares are inherited.</summary>
    public new sealed class Defaults : SteppedTrainingOptions.Defaults
    {
        Defaults() { }
        public const int Stage = 1;
        public const long Steps = 10_000;
        public const int BatchSize = 32;
        /// <summary>The paper's peak at its batch of 256; small CPU runs usually want more (e.g. 1e-3).</summary>
        public const double LearningRate = 1e-4;
        public const double WarmupFraction = 0.03;
        /// <summary>Not in the paper; 0.1 is common.</summary>
        public const double LearningRateFloor = 0.1;
        public const double Beta2 = 0.95;
        public const double WeightDecay = 1e-4;
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
        public const int CheckpointEvery = 500;
        /// <summary>Evaluation (with FD-ResNet18, slow on a CPU) every 1000 steps, as `vitok train` always did.</summary>
        public const int EvalEvery = 1000;
        public const int EvalItems = 256;
    }

    public TokenizerTrainingOptions()
        : base(Defaults.Steps, Defaults.BatchSize, Defaults.LearningRate, Defaults.WarmupFraction, Defaults.LearningRateFloor,
            Defaults.Beta2, Defaults.WeightDecay, Defaults.CheckpointEvery)
    {
    }

    public int Stage { get; init; } = Defaults.Stage;

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

    /// <summary>Run matrix products in bfloat16 with fp32 weights (<see cref="Layers.Autocast"/>). Default off.</summary>
    public bool Bf16 { get; init; }

    public int EvalEvery { get; init; } = Defaults.EvalEvery;
    /// <summary>Held-out items evaluated at each evaluation; 0 means no evaluation.</summary>
    public int EvalItems { get; init; } = Defaults.EvalItems;

    /// <summary>Skip unreadable items (counted and listed at the end) instead of stopping. Default false.</summary>
    public bool SkipBadItems { get; init; }

    /// <inheritdoc/>
    internal override IReadOnlySet<string> MayChangeOnResume => MayChange;

    static readonly IReadOnlySet<string> MayChange = new HashSet<string>(StepsAndCadence, StringComparer.OrdinalIgnoreCase)
        { nameof(EvalEvery), nameof(EvalItems), nameof(SkipBadItems) };

    public static TokenizerTrainingOptions FromJson(string json) =>
        JsonSerializer.Deserialize<TokenizerTrainingOptions>(json, Json) ?? throw new InvalidDataException("Training options are empty.");

    /// <inheritdoc/>
    public override void Validate()
    {
        Require(Stage is 1 or 2, $"stage {Stage} is not 1 or 2");
        base.Validate();
        Require(KlWeight >= 0 && L1Weight >= 0 && PerceptualWeight >= 0 && GanWeight >= 0, "loss weights must not be negative");
        Require(EvalEvery >= 1, "the evaluation interval must be at least 1");
        Require(EvalItems >= 0, $"eval items {EvalItems} must not be negative (0 turns evaluation off)");
    }
}
