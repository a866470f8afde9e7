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
    public int Stage { get; init; } = 1;
    public long Steps { get; init; } = 10_000;
    public int BatchSize { get; init; } = 32;
    public long Seed { get; init; } = 0;

    /// <summary>Peak learning rate (paper: 1e-4 at its batch; small CPU runs usually want more, e.g. 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-4;
    public double WarmupFraction { get; init; } = 0.03;
    /// <summary>Cosine decay ends at this fraction of the peak (not in the paper; 0.1 is common).</summary>
    public double LearningRateFloor { get; init; } = 0.1;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double WeightDecay { get; init; } = 1e-4;
    public double GradClip { get; init; } = 1.0;

    /// <summary>Weight of the L1 term (the release adds a small one; the paper does not). Default 0.</summary>
    public double L1Weight { get; init; }
    /// <summary>KL weight beta. Default 1e-3.</summary>
    public double KlWeight { get; init; } = 1e-3;
    /// <summary>Perceptual loss weight eta. Default 1.0 (paper); ignored when no perceptual network is given.</summary>
    public double PerceptualWeight { get; init; } = 1.0;

    /// <summary>Stage 2: generator GAN weight lambda (appendix: 0.05 best).</summary>
    public double GanWeight { get; init; } = 0.05;
    /// <summary>Stage 2: discriminator learning rate. Default 2e-5.</summary>
    public double DiscriminatorLearningRate { get; init; } = 2e-5;
    /// <summary>Stage 2: steps during which only the discriminator learns (generator GAN weight 0).</summary>
    public long GanWarmupSteps { get; init; } = 200;
    /// <summary>Stage 2: steps over which the generator GAN weight ramps linearly from 0 to <see cref="GanWeight"/>.</summary>
    public long GanRampSteps { get; init; } = 500;
    /// <summary>Stage 2: discriminator width at full resolution.</summary>
    public int DiscriminatorChannels { get; init; } = 64;

    /// <summary>EMA decay (paper 0.9999; warmed up as min(decay, (1+s)/(10+s))).</summary>
    public double EmaDecay { get; init; } = 0.9999;

    /// <summary>Run matrix products in bfloat16 with fp32 weights (<see cref="Layers.Autocast"/>). Default off.</summary>
    public bool Bf16 { get; init; }

    public int CheckpointEvery { get; init; } = 500;
    public int KeepCheckpoints { get; init; } = 3;
    public int EvalEvery { get; init; } = 500;
    /// <summary>Held-out items evaluated at each evaluation.</summary>
    public int EvalItems { get; init; } = 256;
    public int LogEvery { get; init; } = 10;

    /// <summary>Skip unreadable items (counted and listed at the end) instead of stopping. Default false.</summary>
    public bool SkipBadItems { get; init; }

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
