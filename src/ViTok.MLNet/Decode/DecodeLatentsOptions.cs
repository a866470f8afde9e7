using ViTok.Models.Tokenizer;

namespace ViTok.MLNet.Decode;

/// <summary>Options of <see cref="DecodeLatentsEstimator"/>; every default is stated.</summary>
public sealed class DecodeLatentsOptions
{
    /// <summary>Name of the column to add (images or pixel vectors). Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Latent column (float vector of tokens x c numbers). Default: null, meaning <see cref="OutputColumnName"/>.</summary>
    public string? InputColumnName { get; set; }

    /// <summary>Tokenizer safetensors file, or a ViTok-v2 checkpoint folder (decoder.safetensors; the latent column's
    /// Rows/Cols/Height/Width columns give each image's size). Either this or <see cref="Tokenizer"/>.</summary>
    public string? TokenizerPath { get; set; }

    /// <summary>A tokenizer already in memory (owned by the transformer from then on).</summary>
    public ViTokAutoEncoder? Tokenizer { get; set; }

    /// <summary>What to produce: an MLImage (default; images only) or a float pixel vector [3, T, H, W].</summary>
    public DecodedOutput Output { get; set; } = DecodedOutput.Image;

    /// <summary>Rows per forward pass. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>"cpu", "cuda" or "cuda:N". Default null: MLContext.GpuDeviceId when set, else cpu.</summary>
    public string? Device { get; set; }

    /// <summary>Intra-op threads; 0 (default) keeps torch's default.</summary>
    public int Threads { get; set; }

    /// <summary>Computation precision. Default Float32.</summary>
    public Tokenize.InferencePrecision Precision { get; set; } = Tokenize.InferencePrecision.Float32;

    /// <summary>For pixel-vector output: vector = (pixel in [-1, 1] - offset) / scale. Defaults give 0..255, like ExtractPixels.</summary>
    public float PixelScale { get; set; } = 1f / 127.5f;

    /// <inheritdoc cref="PixelScale"/>
    public float PixelOffset { get; set; } = -1f;
}

/// <summary>The form of decoded pixels.</summary>
public enum DecodedOutput
{
    /// <summary>An MLImage (Rgba32) of the tokenizer's size.</summary>
    Image,
    /// <summary>A float vector [3, T, H, W], channel-major.</summary>
    PixelVector,
}
