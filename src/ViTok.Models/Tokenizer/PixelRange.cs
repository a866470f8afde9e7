using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>The tokenizers' pixel range: channel-major floats in [-1, 1] (value = byte / 127.5 - 1).</summary>
public static class PixelRange
{
    static readonly Scalar Low = (-1.0).ToScalar(), High = 1.0.ToScalar();   // held: see HeldScalars

    /// <summary>A model's output clamped to the pixel range [-1, 1].</summary>
    public static Tensor Clamp(Tensor pixels) => pixels.clamp(Low, High);
}
