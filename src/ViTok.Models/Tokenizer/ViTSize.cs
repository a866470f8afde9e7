using System.Text.RegularExpressions;

namespace ViTok.Models.Tokenizer;

/// <summary>A ViT size: width, number of blocks, number of heads. The letter is used in variant names (S-B/16).</summary>
public sealed partial record ViTSize(string Name, int Width, int Depth, int Heads)
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

    /// <summary>
    /// A named size (N, T, S, B, L), or a custom one written <c>w{width}d{depth}</c> (heads: width / 48, the head
    /// dimension of N and T) or <c>w{width}d{depth}h{heads}</c>, e.g. <c>w144d4</c>: for scaling sweeps between the
    /// named sizes.
    /// </summary>
    public static ViTSize Parse(string name)
    {
        var named = All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
        if (named is not null) return named;
        var m = CustomPattern().Match(name ?? "");
        if (!m.Success)
            throw new ArgumentException($"Size '{name}' is not known; use one of {string.Join(", ", All.Select(s => s.Name))} or w<width>d<depth>[h<heads>] (e.g. w144d4).");
        int width = int.Parse(m.Groups["w"].Value), depth = int.Parse(m.Groups["d"].Value);
        if (width < 1 || depth < 1) throw new ArgumentException($"Size '{name}': width and depth must be at least 1.");
        int heads;
        if (m.Groups["h"].Success) heads = int.Parse(m.Groups["h"].Value);
        else if (width % 48 == 0) heads = width / 48;
        else throw new ArgumentException($"Size '{name}': width {width} is not a multiple of 48; give the heads (e.g. w{width}d{depth}h4).");
        if (heads < 1 || width % heads != 0) throw new ArgumentException($"Size '{name}': width {width} is not divisible by {heads} heads.");
        string canonical = m.Groups["h"].Success ? $"w{width}d{depth}h{heads}" : $"w{width}d{depth}";
        return new ViTSize(canonical, width, depth, heads);
    }

    [GeneratedRegex(@"^w(?<w>\d{1,5})d(?<d>\d{1,3})(?:h(?<h>\d{1,3}))?$", RegexOptions.IgnoreCase)]
    private static partial Regex CustomPattern();
}
