namespace ViTok.Models.Tokenizer;

/// <summary>The token grid (t, h, w) of a clip: tokens are laid out t-major, then h, then w.</summary>
public readonly record struct TokenGrid(int T, int H, int W)
{
    public int Count => T * H * W;
    public override string ToString() => $"{T}x{H}x{W}";
}
