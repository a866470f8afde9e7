using ViTok.Models.TokenizerV2;

namespace ViTok.Models.Tokenizer;

/// <summary>An image as plain numbers, as every tokenizer (<see cref="IImageTokenizer"/>) takes and gives one outside a fixed-size batch: RGB channel-major [3, Height, Width] floats in [-1, 1].</summary>
public sealed record TokenizerImage(float[] Pixels, int Height, int Width)
{
    /// <summary>Throws naming <paramref name="what"/> when the pixel count does not match the size.</summary>
    public void Check(string what)
    {
        if (Height < 1 || Width < 1) throw new ArgumentException($"{what}: image size {Height}x{Width} must be at least 1x1.");
        if (Pixels.Length != 3L * Height * Width)
            throw new ArgumentException($"{what}: {Pixels.Length} pixel values do not make a 3x{Height}x{Width} image ({3L * Height * Width} expected).");
    }
}

/// <summary>
/// The latent of one image: <see cref="Values"/> [Grid.Count, c] row-major (tokens in grid order), the token grid,
/// and the image size it was encoded at (decoding crops the padded patches back to it).
/// </summary>
public sealed record TokenizerLatent(float[] Values, PatchGrid Grid, int Height, int Width);
