using ViTok.Models.Generation;

namespace ViTok.MLNet;

/// <summary>
/// Options of <see cref="TrainGeneratorEstimator"/>. The training options and their defaults mirror
/// `vitok train-generator` (the DiT paper's recipe: DiT-T here, DDPM, 400,000 steps of 256, constant LR 1e-4, EMA
/// 0.9999, label dropout 0.1); small runs want far fewer steps and usually a higher LR with warm-up and a floor.
/// </summary>
public sealed class TrainGeneratorOptions
{
    /// <summary>Latent column the fitted <see cref="GenerateLatentsTransformer"/> adds (generated latents). Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Training latents: a float vector of tokens x c values per row (TokenizeImages' output). Default "Latent".</summary>
    public string LatentColumnName { get; set; } = "Latent";

    /// <summary>
    /// Class of each row, default "Label": a key (U4; class names from its KeyValues annotation when present, in key
    /// order, else "0".."K-1"; key k is class k - 1, all K values of the key are classes), or text (the distinct values
    /// in ordinal order are the classes). The fitted transformer reads its labels from the same column.
    /// </summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The tokenizer that made the latents (its token grid and channels shape the generator). Required.</summary>
    public string? TokenizerPath { get; set; }

    /// <summary>DiT size: N, T (CPU sizes), S, B, L, XL. Default "T".</summary>
    public string Size { get; set; } = "T";

    /// <summary>Ddpm (default; the paper's: noise prediction, learned variance, 1000 steps) or FlowMatching.</summary>
    public DiffusionObjective Objective { get; set; } = DiffusionObjective.Ddpm;

    /// <summary>Optimiser steps. Default 400,000.</summary>
    public long Steps { get; set; } = 400_000;

    /// <summary>Latents per step. Default 256.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Peak learning rate. Default 1e-4 (DiT, constant).</summary>
    public double LearningRate { get; set; } = 1e-4;

    /// <summary>Linear warm-up as a fraction of the steps. Default 0.</summary>
    public double WarmupFraction { get; set; }

    /// <summary>Cosine decay to this fraction of the peak; 1 (default) keeps the rate constant.</summary>
    public double LearningRateFloor { get; set; } = 1.0;

    /// <summary>EMA decay of the exported weights (warmed up as min(decay, (1 + step) / (10 + step))). Default 0.9999.</summary>
    public double EmaDecay { get; set; } = 0.9999;

    /// <summary>Probability of training a row on the null class (classifier-free guidance). Default 0.1.</summary>
    public double ClassDropout { get; set; } = 0.1;

    /// <summary>Seed of initialisation, latent order and noise. Default 0.</summary>
    public long Seed { get; set; }

    /// <summary>Steps between checkpoints. Default 1000 (and always at the end).</summary>
    public int CheckpointEvery { get; set; } = 1000;

    /// <summary>Steps between progress messages on MLContext.Log (and history.jsonl rows). Default 10.</summary>
    public int LogEvery { get; set; } = 10;

    /// <summary>Run folder: latents.safetensors (the latents read from the data), checkpoints, history.jsonl,
    /// generator.safetensors. Default: a new temporary folder.</summary>
    public string? RunFolder { get; set; }

    /// <summary>Continue from the newest checkpoint of <see cref="RunFolder"/> (same data and options). Default false.</summary>
    public bool Resume { get; set; }

    /// <summary>"cpu", "cuda", "cuda:N"; null (default): MLContext.GpuDeviceId when set, else cpu. Training and generation.</summary>
    public string? Device { get; set; }

    /// <summary>Intra-op threads of the training loop, set for its duration and then restored (never process-wide);
    /// 0 (default): the process's setting (torch's default, one per core). The fitted transformer gets the same value.</summary>
    public int Threads { get; set; }

    /// <summary>Of the fitted transformer: optional long/int seed column (see <see cref="GenerateLatentsOptions.SeedColumnName"/>). Default null.</summary>
    public string? SeedColumnName { get; set; }

    /// <summary>Of the fitted transformer: the sampler. Default null, the objective's (DDIM for DDPM, Heun for flow matching).</summary>
    public Sampler? Sampler { get; set; }

    /// <summary>Of the fitted transformer: sampling steps. Default 250.</summary>
    public int SamplingSteps { get; set; } = 250;

    /// <summary>Of the fitted transformer: classifier-free guidance scale. Default 1 (plain conditional).</summary>
    public double GuidanceScale { get; set; } = 1.0;

    /// <summary>Of the fitted transformer: run seed when there is no seed column. Default 0.</summary>
    public long SamplingSeed { get; set; }

    /// <summary>Of the fitted transformer: rows per sampling call. Default 32.</summary>
    public int GenerationBatchSize { get; set; } = 32;

    /// <summary>Of the fitted transformer: dimensions declared for its latent column. Default [tokens, c].</summary>
    public LatentLayout Layout { get; set; } = LatentLayout.Tokens;
}
