using System.Text.Json.Serialization;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet;

/// <summary>Options of <see cref="TokenizeImagesEstimator"/>; every default is stated.</summary>
public sealed class TokenizeImagesOptions : ComponentOptions
{
    /// <summary>Name of the latent column to add. Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Input column: an image (MLImage of the tokenizer's size), a float pixel vector, or encoded image bytes.
    /// Default: null, meaning the same name as <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>Tokenizer safetensors file (for example models/vitok-fmnist-n8-c8.safetensors), or a ViTok-v2 checkpoint folder
    /// (encoder.safetensors; see docs/vitok-v2.md). Either this or <see cref="Tokenizer"/>.</summary>
    [JsonIgnore]   // not saved: the model bytes are stored beside the options
    public string? TokenizerPath { get; set; }

    /// <summary>A tokenizer already in memory. Each fitted transformer gets its own copy of its weights (on its device and
    /// precision); the model stays yours to dispose.</summary>
    [JsonIgnore]   // not saved: the model bytes are stored beside the options
    public ViTokAutoEncoder? Tokenizer { get; set; }

    /// <summary>Posterior mean (default, deterministic) or a sample.</summary>
    public LatentKind Latent { get; set; } = TokenizeImagesEstimator.Defaults.Latent;

    /// <summary>Run seed of the sampling noise when <see cref="Latent"/> is Sample (default 0): a row's noise comes from
    /// RowNoise.RowSeed(seed, row position), so its latent does not depend on <see cref="ComponentOptions.BatchSize"/>.</summary>
    public long Seed { get; set; }

    /// <summary>Computation precision: Float32 (default) or BFloat16 (faster on CPUs with AVX512-BF16; latents are returned as float).</summary>
    public InferencePrecision Precision { get; set; } = TokenizeImagesEstimator.Defaults.Precision;

    /// <summary>Layout of the latent vector: [tokens, c] (default) or [t, h, w, c].</summary>
    public LatentLayout Layout { get; set; } = TokenizeImagesEstimator.Defaults.Layout;

    /// <summary>ViTok-v2 native-size mode (an image column of unknown size, or encoded bytes): images over this many tokens are
    /// shrunk keeping their aspect ratio. Default <see cref="Models.Tokenizer.IImageTokenizer.Defaults.MaxTokens"/>.</summary>
    public int MaxTokens { get; set; } = Models.Tokenizer.IImageTokenizer.Defaults.MaxTokens;

    /// <summary>For float pixel-vector input: value = input x scale + offset must land in [-1, 1].
    /// The defaults (<see cref="TokenizeImagesEstimator.Defaults.PixelScale"/>, <see cref="TokenizeImagesEstimator.Defaults.PixelOffset"/>)
    /// fit ExtractPixels' default 0..255 output.</summary>
    public float PixelScale { get; set; } = TokenizeImagesEstimator.Defaults.PixelScale;

    /// <inheritdoc cref="PixelScale"/>
    public float PixelOffset { get; set; } = TokenizeImagesEstimator.Defaults.PixelOffset;
}
