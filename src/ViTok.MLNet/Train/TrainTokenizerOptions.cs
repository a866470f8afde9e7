using ViTok.Models.Recipes;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.MLNet;

/// <summary>Options of <see cref="TrainTokenizerEstimator"/>: they mirror `vitok train`, and both run one recipe
/// (<see cref="TokenizerTrainingRecipe"/>: held-out split, data order, perceptual loss, evaluation).</summary>
public sealed class TrainTokenizerOptions : ComponentOptions
{
    /// <summary>Latent column the fitted transformer adds. Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Image column (MLImage of <see cref="ImageSize"/>, or a pixel vector). Default: <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>Variant name; default <see cref="TrainTokenizerEstimator.Defaults.Variant"/>.</summary>
    public string Variant { get; set; } = TrainTokenizerEstimator.Defaults.Variant;

    /// <summary>Bottleneck channels c; default <see cref="TrainTokenizerEstimator.Defaults.Channels"/>.</summary>
    public int Channels { get; set; } = TrainTokenizerEstimator.Defaults.Channels;

    /// <summary>Image side in pixels; the image column must already have this size. Default <see cref="TrainTokenizerEstimator.Defaults.ImageSize"/>.</summary>
    public int ImageSize { get; set; } = TrainTokenizerEstimator.Defaults.ImageSize;

    /// <summary>Position encoding; default <see cref="TrainTokenizerEstimator.Defaults.Position"/> (the paper's).</summary>
    public PositionEncoding Position { get; set; } = TrainTokenizerEstimator.Defaults.Position;

    /// <summary>The training recipe (steps, batch size, learning rate, loss weights, ...). Default:
    /// <see cref="TrainTokenizerEstimator.Defaults.Training"/> (the paper's with fewer steps and a higher learning rate).</summary>
    public TokenizerTrainingOptions Training { get; set; } = TrainTokenizerEstimator.Defaults.Training;

    /// <summary>Evaluation (every <see cref="TokenizerTrainingOptions.EvalEvery"/> steps and at the end, on
    /// <see cref="TokenizerTrainingOptions.EvalItems"/> rows held out of training as `vitok train` holds them out) includes
    /// FD-ResNet18, as `vitok train` without --no-fd. Default <see cref="TokenizerTrainingRecipe.Defaults.Fd"/>.</summary>
    public bool MeasureFd { get; set; } = TokenizerTrainingRecipe.Defaults.Fd;

    /// <summary>Run folder for checkpoints and history. Default: a new temporary folder.</summary>
    public string? RunFolder { get; set; }

    /// <summary>Continue from the newest checkpoint of <see cref="RunFolder"/>. Default false.</summary>
    public bool Resume { get; set; }

    /// <summary>For pixel-vector input: value x scale + offset must land in [-1, 1]. The defaults fit ExtractPixels (0..255).</summary>
    public float PixelScale { get; set; } = TokenizeImagesEstimator.Defaults.PixelScale;

    /// <inheritdoc cref="PixelScale"/>
    public float PixelOffset { get; set; } = TokenizeImagesEstimator.Defaults.PixelOffset;
}
