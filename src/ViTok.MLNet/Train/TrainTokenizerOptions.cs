using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.MLNet;

/// <summary>Options of <see cref="TrainTokenizerEstimator"/>: they mirror `vitok train`.</summary>
public sealed class TrainTokenizerOptions
{
    /// <summary>Latent column the fitted transformer adds. Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Image column (MLImage of <see cref="ImageSize"/>, or a pixel vector). Default: <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>Variant name (e.g. "T-T/8"). Default "T-T/8".</summary>
    public string Variant { get; set; } = "T-T/8";

    /// <summary>Bottleneck channels c. Default 8.</summary>
    public int Channels { get; set; } = 8;

    /// <summary>Image side in pixels; the image column must already have this size. Default 32.</summary>
    public int ImageSize { get; set; } = 32;

    /// <summary>Position encoding. Default Rope3D (the paper's).</summary>
    public PositionEncoding Position { get; set; } = PositionEncoding.Rope3D;

    /// <summary>The training recipe (steps, batch size, learning rate, loss weights, ...). Default: paper defaults with 2,000 steps, batch 32, LR 1e-3.</summary>
    public TokenizerTrainingOptions Training { get; set; } = new() { Steps = 2000, BatchSize = 32, LearningRate = 1e-3, CheckpointEvery = 1000, EvalEvery = 1000 };

    /// <summary>Run folder for checkpoints and history. Default: a new temporary folder.</summary>
    public string? RunFolder { get; set; }

    /// <summary>Continue from the newest checkpoint of <see cref="RunFolder"/>. Default false.</summary>
    public bool Resume { get; set; }

    /// <summary>For pixel-vector input: value x scale + offset must land in [-1, 1]. Defaults fit ExtractPixels (0..255).</summary>
    public float PixelScale { get; set; } = 1f / 127.5f;

    /// <inheritdoc cref="PixelScale"/>
    public float PixelOffset { get; set; } = -1f;

    /// <summary>"cpu", "cuda", "cuda:N"; null: MLContext.GpuDeviceId when set, else cpu.</summary>
    public string? Device { get; set; }

    /// <summary>Intra-op threads of the training loop, set for its duration and then restored (never process-wide);
    /// 0 (default): the process's setting (torch's default, one per core). The fitted transformer gets the same value.</summary>
    public int Threads { get; set; }

    /// <summary>Rows per forward pass of the fitted transformer. Default 32.</summary>
    public int BatchSize { get; set; } = 32;
}
