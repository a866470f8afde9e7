using ViTok.Models.Generation;
using ViTok.Models.Recipes;
using ViTok.Models.Training;

namespace ViTok.MLNet;

/// <summary>
/// Options of <see cref="TrainGeneratorEstimator"/>; they mirror `vitok train-generator`. <see cref="Training"/> holds the
/// training recipe (default: the DiT paper's, <see cref="GeneratorTrainingOptions.Defaults"/>); small runs want far fewer
/// steps and usually a higher learning rate with warm-up and a floor. <see cref="ComponentOptions.BatchSize"/>,
/// <see cref="ComponentOptions.Device"/> and <see cref="ComponentOptions.Threads"/> are those of the fitted transformer
/// (the device is also the training device); the training batch is <see cref="TrainingOptions.BatchSize"/>.
/// </summary>
public sealed class TrainGeneratorOptions : ComponentOptions
{
    /// <summary>Options with every default; <see cref="ComponentOptions.BatchSize"/> (the fitted transformer's) is <see cref="GenerationRecipe.Defaults.BatchSize"/>.</summary>
    public TrainGeneratorOptions() => BatchSize = GenerationRecipe.Defaults.BatchSize;

    /// <summary>Latent column the fitted <see cref="GenerateLatentsTransformer"/> adds (generated latents). Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Training latents: a float vector of tokens x c values per row (TokenizeImages' output). Default <see cref="TrainGeneratorEstimator.Defaults.LatentColumnName"/>.</summary>
    public string LatentColumnName { get; set; } = TrainGeneratorEstimator.Defaults.LatentColumnName;

    /// <summary>
    /// Class of each row, default <see cref="GenerateLatentsEstimator.Defaults.LabelColumnName"/>: a key (U4; class
    /// names from its KeyValues annotation when present, in key order, else "0".."K-1"; key k is class k - 1, all K values
    /// of the key are classes), or text (the distinct values in ordinal order are the classes). The fitted transformer
    /// reads its labels from the same column.
    /// </summary>
    public string LabelColumnName { get; set; } = GenerateLatentsEstimator.Defaults.LabelColumnName;

    /// <summary>The tokenizer that made the latents (its token grid and channels shape the generator). Required.</summary>
    public string? TokenizerPath { get; set; }

    /// <summary>DiT size: N, T (CPU sizes), S, B, L, XL. Default <see cref="DiTConfig.Defaults.Size"/>.</summary>
    public string Size { get; set; } = DiTConfig.Defaults.Size;

    /// <summary>Ddpm (the paper's: noise prediction, learned variance) or FlowMatching. Default <see cref="DiTConfig.Defaults.Objective"/>.</summary>
    public DiffusionObjective Objective { get; set; } = DiTConfig.Defaults.Objective;

    /// <summary>Probability of training a row on the null class (classifier-free guidance). Default <see cref="DiTConfig.Defaults.ClassDropout"/>.</summary>
    public double ClassDropout { get; set; } = DiTConfig.Defaults.ClassDropout;

    /// <summary>The training recipe: steps, batch, learning rate and schedule, EMA, seed, checkpoint and log intervals
    /// (progress messages go to MLContext.Log every <see cref="TrainingOptions.LogEvery"/> steps).</summary>
    public GeneratorTrainingOptions Training { get; set; } = new();

    /// <summary>Run folder: latents.safetensors (the latents read from the data), checkpoints, history.jsonl,
    /// generator.safetensors. Default: a new temporary folder.</summary>
    public string? RunFolder { get; set; }

    /// <summary>Continue from the newest checkpoint of <see cref="RunFolder"/> (same data and options). Default false.</summary>
    public bool Resume { get; set; }

    /// <summary>Of the fitted transformer: optional long/int seed column (see <see cref="GenerateLatentsOptions.SeedColumnName"/>). Default null.</summary>
    public string? SeedColumnName { get; set; }

    /// <summary>Of the fitted transformer: the sampler. Default null, the objective's (DDIM for DDPM, Heun for flow matching).</summary>
    public Sampler? Sampler { get; set; }

    /// <summary>Of the fitted transformer: sampling steps. Default null, the sampler's (<see cref="SamplingOptions.Defaults.StepsFor"/>).</summary>
    public int? SamplingSteps { get; set; }

    /// <summary>Of the fitted transformer: classifier-free guidance scale. Default <see cref="SamplingOptions.Defaults.GuidanceScale"/>.</summary>
    public double GuidanceScale { get; set; } = SamplingOptions.Defaults.GuidanceScale;

    /// <summary>Of the fitted transformer: the guidance interval's lower end (<see cref="GenerateLatentsOptions.GuidanceFrom"/>).
    /// Default <see cref="SamplingOptions.Defaults.GuidanceFrom"/>.</summary>
    public double GuidanceFrom { get; set; } = SamplingOptions.Defaults.GuidanceFrom;

    /// <summary>Of the fitted transformer: the guidance interval's upper end. Default <see cref="SamplingOptions.Defaults.GuidanceTo"/>.</summary>
    public double GuidanceTo { get; set; } = SamplingOptions.Defaults.GuidanceTo;

    /// <summary>Of the fitted transformer: run seed when there is no seed column. Default <see cref="SamplingOptions.Defaults.Seed"/>.</summary>
    public long SamplingSeed { get; set; } = SamplingOptions.Defaults.Seed;

    /// <summary>Of the fitted transformer: dimensions declared for its latent column. Default [tokens, c].</summary>
    public LatentLayout Layout { get; set; } = TokenizeImagesEstimator.Defaults.Layout;
}
