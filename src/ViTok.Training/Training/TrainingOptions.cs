using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViTok.Models.Training;

/// <summary>
/// What the options of every trainer share (tokenizer, generator, image classifier): the batch, the seed, AdamW with a
/// linear warm-up and cosine decay, and the log cadence. Each trainer's options derive from this (through
/// <see cref="SteppedTrainingOptions"/> for the runs counted in steps) and state their recipe's numbers in their own
/// <c>Defaults</c>; the values every recipe shares are <see cref="Defaults"/>. Stored in checkpoints as flat JSON, as before.
/// </summary>
public abstract record TrainingOptions
{
    /// <summary>The defaults every training recipe shares; a trainer's <c>Defaults</c> (which derives from this) adds its own.</summary>
    public class Defaults
    {
        private protected Defaults() { }
        public const long Seed = 0;
        public const double Beta1 = 0.9;
    }

    /// <summary>A recipe's defaults of the shared options (the derived options pass their own <c>Defaults</c>).</summary>
    private protected TrainingOptions(int batchSize, double learningRate, double warmupFraction, double learningRateFloor, double beta2, double weightDecay, int logEvery)
    {
        BatchSize = batchSize;
        LearningRate = learningRate;
        WarmupFraction = warmupFraction;
        LearningRateFloor = learningRateFloor;
        Beta2 = beta2;
        WeightDecay = weightDecay;
        LogEvery = logEvery;
    }

    /// <summary>Items per optimiser step.</summary>
    public int BatchSize { get; init; }

    /// <summary>Seeds the initialisation, the data order and the noise; default <see cref="Defaults.Seed"/>.</summary>
    public long Seed { get; init; } = Defaults.Seed;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; }

    /// <summary>Linear warm-up as a fraction of the steps.</summary>
    public double WarmupFraction { get; init; }

    /// <summary>Cosine decay ends at this fraction of the peak; 1 keeps the rate constant.</summary>
    public double LearningRateFloor { get; init; }

    /// <summary>AdamW's first-moment decay; default <see cref="Defaults.Beta1"/>.</summary>
    public double Beta1 { get; init; } = Defaults.Beta1;

    /// <summary>AdamW's second-moment decay.</summary>
    public double Beta2 { get; init; }

    /// <summary>Decoupled weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Steps between progress reports (and history.jsonl rows).</summary>
    public int LogEvery { get; init; }

    private protected static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Every option as flat JSON (what checkpoints store, and what a resume compares).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, GetType(), Json);

    /// <summary>Throws <see cref="ArgumentException"/> naming the option at fault.</summary>
    public virtual void Validate()
    {
        Require(BatchSize >= 1, $"batch size {BatchSize} must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate {LearningRate} must be positive");
        Require(WarmupFraction is >= 0 and < 1, $"warm-up fraction {WarmupFraction} must be in [0, 1)");
        Require(LearningRateFloor is >= 0 and <= 1, $"learning-rate floor {LearningRateFloor} must be in [0, 1]");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, $"Adam betas {Beta1} and {Beta2} must be in [0, 1)");
        Require(WeightDecay >= 0, $"weight decay {WeightDecay} must not be negative");
        Require(LogEvery >= 1, $"log interval {LogEvery} must be at least 1");
    }

    private protected static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}
