namespace ViTok.Models.TokenizerV2;

/// <summary>One side (encoder or decoder) of a ViTok-v2 auto-encoder: width, number of blocks, heads.</summary>
public sealed record V2Stack(int Width, int Depth, int Heads)
{
    public int HeadDim => Width / Heads;

    /// <summary>The SwiGLU hidden width the reference builds for this width and MLP factor:
    /// int(width * factor), rounded to a multiple of 16 (((h + 8) // 16) * 16).</summary>
    public int MlpHidden(double mlpFactor) => ((int)(Width * mlpFactor) + 8) / 16 * 16;

    /// <summary>Throws naming <paramref name="side"/> when the sizes cannot build the reference's blocks.</summary>
    public void Validate(string side)
    {
        if (Width < 1 || Depth < 0 || Heads < 1)
            throw new ArgumentException($"The {side} needs width >= 1, depth >= 0 and heads >= 1; got width {Width}, depth {Depth}, heads {Heads}.");
        if (Width % Heads != 0)
            throw new ArgumentException($"The {side} width {Width} is not a multiple of its {Heads} heads.");
        if (HeadDim % 4 != 0)
            throw new ArgumentException($"The {side} head dimension {HeadDim} (width {Width} / {Heads} heads) must be a multiple of 4 for 2D RoPE.");
    }
}
