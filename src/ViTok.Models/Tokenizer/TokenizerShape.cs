using ViTok.Models.TokenizerV2;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// What a tokenizer takes and gives, whichever family it is (<see cref="IImageTokenizer"/>), read from its file's header
/// without loading weights. A fixed-size tokenizer takes <see cref="Frames"/> x <see cref="ImageSize"/>² inputs only; a
/// native-resolution one (<see cref="ImageSize"/> 0) takes single images of any size, one token per
/// <see cref="Patch"/>² pixels after zero-padding the sides to multiples of the patch.
/// </summary>
/// <param name="Format">The weight format: <see cref="TokenizerFiles.ViTokFormat"/> or <see cref="TokenizerFiles.ViTokV2Format"/>.</param>
/// <param name="Variant">The variant name (e.g. T-T/8, Ld4-Ld24/1x16x64).</param>
/// <param name="Channels">Latent channels c per token.</param>
/// <param name="Patch">Patch side p in pixels.</param>
/// <param name="TubeletFrames">Frames per tubelet q (1 for images).</param>
/// <param name="Frames">Frames per input (1 for images).</param>
/// <param name="ImageSize">The square input side of a fixed-size tokenizer; 0: any size (native resolution).</param>
/// <param name="HasPosterior">Whether the encoder gives a posterior that can be sampled (else its latent is deterministic).</param>
/// <param name="HasEncoder">Whether the encoder's weights are present.</param>
/// <param name="HasDecoder">Whether the decoder's weights are present.</param>
public sealed record TokenizerShape(string Format, string Variant, int Channels, int Patch, int TubeletFrames, int Frames, int ImageSize,
    bool HasPosterior, bool HasEncoder, bool HasDecoder)
{
    /// <summary>Takes images of any size (each its own token count) rather than one fixed size.</summary>
    public bool NativeResolution => ImageSize == 0;

    /// <summary>The token grid (time, rows, columns) of an input of <paramref name="height"/> x <paramref name="width"/> pixels.</summary>
    public TokenGrid GridFor(int height, int width)
    {
        if (!NativeResolution && (height != ImageSize || width != ImageSize))
            throw new ArgumentException($"Tokenizer {Variant} takes {ImageSize}x{ImageSize} inputs, not {width}x{height}.");
        var patches = PatchGrid.ForImage(height, width, Patch);
        return new TokenGrid(Frames / TubeletFrames, patches.Rows, patches.Cols);
    }

    /// <summary>The fixed-size grid (throws for a native-resolution tokenizer).</summary>
    public TokenGrid Grid => NativeResolution
        ? throw new InvalidOperationException($"Tokenizer {Variant} takes images of any size; their grids differ (GridFor).")
        : GridFor(ImageSize, ImageSize);

    /// <summary>Floats per input of <paramref name="height"/> x <paramref name="width"/>: 3 x T x H x W.</summary>
    public int PixelLength(int height, int width) => 3 * Frames * height * width;

    /// <summary>Floats per latent of an input of <paramref name="height"/> x <paramref name="width"/>: tokens x c.</summary>
    public int LatentLength(int height, int width) => GridFor(height, width).Count * Channels;

    /// <summary>The shape of a ViTok (v1) tokenizer.</summary>
    public static TokenizerShape Of(ViTokConfig c) =>
        new(TokenizerFiles.ViTokFormat, c.Variant, c.Channels, c.Patch, c.TubeletFrames, c.Frames, c.ImageSize, HasPosterior: true, HasEncoder: true, HasDecoder: true);

    /// <summary>The shape of a ViTok-v2 model (native resolution, deterministic latents).</summary>
    public static TokenizerShape Of(ViTokV2Config c) =>
        new(TokenizerFiles.ViTokV2Format, c.Variant, c.Channels, c.Patch, 1, 1, 0, HasPosterior: false, c.HasEncoder, c.HasDecoder);

    /// <summary>"T-T/8 (32x32, c=8)", for messages.</summary>
    public override string ToString() =>
        $"{Variant} ({(NativeResolution ? "any size" : $"{(Frames > 1 ? $"{Frames}x" : "")}{ImageSize}x{ImageSize}")}, c={Channels})";
}
