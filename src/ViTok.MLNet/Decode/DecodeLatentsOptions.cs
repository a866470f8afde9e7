using System.Text.Json.Serialization;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet;

/// <summary>Options of <see cref="DecodeLatentsEstimator"/>; every default is stated.</summary>
public sealed class DecodeLatentsOptions : ComponentOptions
{
    /// <summary>Name of the column to add (images or pixel vectors). Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Latent column (float vector of tokens x c numbers). Default: null, meaning <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>Tokenizer safetensors file, or a ViTok-v2 checkpoint folder (decoder.safetensors; the latent column's
    /// Rows/Cols/Height/Width columns give each image's size). Either this or <see cref="Tokenizer"/>.</summary>
    [JsonIgnore]   // not saved: the model bytes are stored beside the options
    public string? TokenizerPath { get; set; }

    /// <summary>A tokenizer already in memory. Each fitted transformer gets its own copy of its weights; the model stays yours to dispose.</summary>
    [JsonIgnore]   // not saved: the model bytes are stored beside the options
    public ViTokAutoEncoder? Tokenizer { get; set; }

    /// <summary>What to produce: an MLImage (default; images only) or a float pixel vector ([3, H, W] for images, [3, T, H, W] for clips).</summary>
    public DecodedOutput Output { get; set; } = DecodeLatentsEstimator.Defaults.Output;

    /// <summary>Computation precision. Default Float32.</summary>
    public InferencePrecision Precision { get; set; } = DecodeLatentsEstimator.Defaults.Precision;

    /// <summary>For pixel-vector output: vector = (pixel in [-1, 1] - offset) / scale. The defaults give 0..255, like ExtractPixels.</summary>
    public float PixelScale { get; set; } = DecodeLatentsEstimator.Defaults.PixelScale;

    /// <inheritdoc cref="PixelScale"/>
    public float PixelOffset { get; set; } = DecodeLatentsEstimator.Defaults.PixelOffset;

    /// <summary>For pixel-vector output: clamp each decoded pixel to the valid range ([-1, 1] before scaling, so 0..255
    /// with the default scale), as an image would be. Default false: the decoder's values as computed, which may overshoot.</summary>
    public bool ClampPixels { get; set; }
}

/// <summary>The form of decoded pixels.</summary>
public enum DecodedOutput
{
    /// <summary>An MLImage (Rgba32) of the tokenizer's size.</summary>
    Image,
    /// <summary>A float vector, channel-major: [3, H, W] for images, [3, T, H, W] for clips.</summary>
    PixelVector,
}
