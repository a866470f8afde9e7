using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViTok.Models.Training;

/// <summary>
/// Generator (DiT) training options. Defaults are the DiT paper's (AdamW, constant learning rate 1e-4, no weight
/// decay, batch 256, EMA 0.9999) unless a comment says otherwise. Small CPU runs usually want a higher peak with
/// warm-up and cosine decay (e.g. --lr 1e-3 --lr-floor 0.1).
/// </summary>
public sealed record GeneratorTrainingOptions
{
    public long Steps { get; init; } = 400_000;
    public int BatchSize { get; init; } = 256;
    public long Seed { get; init; }

    public double LearningRate { get; init; } = 1e-4;
    /// <summary>Linear warm-up as a fraction of the steps (DiT: none).</summary>
    public double WarmupFraction { get; init; }
    /// <summary>Cosine decay ends at this fraction of the peak; 1 keeps the rate constant (DiT).</summary>
    public double LearningRateFloor { get; init; } = 1.0;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double WeightDecay { get; init; }
    /// <summary>Global gradient-norm clip (not in DiT; LightningDiT clips at 1.0, which guards small-batch CPU runs).</summary>
    public double GradClip { get; init; } = 1.0;
    public double EmaDecay { get; init; } = 0.9999;

    public int CheckpointEvery { get; init; } = 1000;
    public int KeepCheckpoints { get; init; } = 3;
    public int EvalEvery { get; init; } = 1000;
    public int LogEvery { get; init; } = 10;

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
        Require(CheckpointEvery >= 1 && KeepCheckpoints >= 1 && EvalEvery >= 1 && LogEvery >= 1, "checkpoint, eval and log intervals and the number of checkpoints kept must be at least 1");
    }
}
