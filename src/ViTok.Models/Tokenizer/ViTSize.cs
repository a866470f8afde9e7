namespace ViTok.Models.Tokenizer;

/// <summary>A ViT size: width, number of blocks, number of heads. The letter is used in variant names (S-B/16).</summary>
public sealed record ViTSize(string Name, int Width, int Depth, int Heads)
{
    /// <summary>Nano: 96 wide, 2 blocks, 2 heads (head dim 48). For tests and very fast CPU work.</summary>
    public static readonly ViTSize N = new("N", 96, 2, 2);

    /// <summary>Tiny: 192 wide, 4 blocks, 4 heads (head dim 48 = 3 x 16, so 3D RoPE splits evenly). For CPU training.</summary>
    public static readonly ViTSize T = new("T", 192, 4, 4);

    /// <summary>Small, paper Table 1: 768 wide, 6 blocks, 12 heads.</summary>
    public static readonly ViTSize S = new("S", 768, 6, 12);

    /// <summary>Base, paper Table 1: 768 wide, 12 blocks, 12 heads.</summary>
    public static readonly ViTSize B = new("B", 768, 12, 12);

    /// <summary>Large, paper Table 1: 1152 wide, 24 blocks, 16 heads (head dim 72 = 3 x 24).</summary>
    public static readonly ViTSize L = new("L", 1152, 24, 16);

    public static IReadOnlyList<ViTSize> All { get; } = [N, T, S, B, L];

    public int HeadDim => Width / Heads;

    public static ViTSize Parse(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Size '{name}' is not known; use one of {string.Join(", ", All.Select(s => s.Name))}.");
}
