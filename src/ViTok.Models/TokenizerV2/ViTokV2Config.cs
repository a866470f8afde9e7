using System.Globalization;
using System.Text.RegularExpressions;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// The configuration of a ViTok-v2 auto-encoder (Na-VAE/vitok-release): encoder and decoder stacks (either may be
/// absent for encoder-only or decoder-only use), the square patch size p (pixels per token = 3 p²), latent channels
/// per token c, and the SwiGLU width factor shared by both stacks. <see cref="Variant"/> names it as the reference's
/// variant strings do (e.g. "Ld4-Ld24/1x16x64", "w64_d2_h4-w96_d3_h4/1x8x16").
/// </summary>
public sealed record ViTokV2Config(V2Stack? Encoder, V2Stack? Decoder, int Patch, int Channels, double MlpFactor = 2.67)
{
    public const double DefaultMlpFactor = 2.67;

    /// <summary>The reference's named widths, depths and heads (its _BASE_WIDTHS/_DEPTHS/_HEADS tables).</summary>
    static readonly (string Name, int Width, int Depth, int Heads)[] Bases =
        [("B", 768, 12, 12), ("L", 1024, 24, 16), ("G", 1728, 32, 24), ("T", 3072, 40, 24), ("E", 4096, 48, 32)];

    public int PixelsPerToken => 3 * Patch * Patch;

    public bool HasEncoder => Encoder is not null;
    public bool HasDecoder => Decoder is not null;

    /// <summary>The encoder; throws when this configuration has none.</summary>
    public V2Stack EncoderStack => Encoder ?? throw new InvalidOperationException($"ViTok-v2 model {Variant} has no encoder (decoder-only).");

    /// <summary>The decoder; throws when this configuration has none.</summary>
    public V2Stack DecoderStack => Decoder ?? throw new InvalidOperationException($"ViTok-v2 model {Variant} has no decoder (encoder-only).");

    public void Validate()
    {
        if (Encoder is null && Decoder is null) throw new ArgumentException("A ViTok-v2 model needs an encoder, a decoder or both.");
        Encoder?.Validate("encoder");
        Decoder?.Validate("decoder");
        if (Patch < 1) throw new ArgumentException($"Patch size must be at least 1; got {Patch}.");
        if (Channels < 1) throw new ArgumentException($"Latent channels must be at least 1; got {Channels}.");
        if (!(MlpFactor > 0)) throw new ArgumentException($"MLP factor must be positive; got {MlpFactor}.");
    }

    /// <summary>The variant strings of the published checkpoints (the reference's vitok/pretrained.py registry), which
    /// spell the same kind of model differently ("Ld4-Ld24" but "Td4-T"): a configuration equal to one is named by it.</summary>
    public static IReadOnlyList<string> Published { get; } =
    [
        "Ld4-Ld24/1x16x16", "Ld4-Ld24/1x16x32", "Ld4-Ld24/1x16x64",
        "Td4-T/1x16x16", "Td4-T/1x16x32", "Td4-T/1x16x64", "Td4-T/1x32x64", "Td4-T/1x32x128", "Td4-T/1x32x256",
    ];

    /// <summary>The reference's variant string (a published checkpoint's own spelling when it is one); a missing side is
    /// written "?" (e.g. "Ld4-?/1x16x64" for an encoder alone).</summary>
    public string Variant
    {
        get
        {
            foreach (var published in Published)
            {
                var p = Parse(published);
                if (p.Patch == Patch && p.Channels == Channels && p.MlpFactor == MlpFactor
                    && (Encoder is null || Encoder == p.Encoder) && (Decoder is null || Decoder == p.Decoder))
                {
                    var sides = published.Split('/')[0].Split('-');
                    return $"{(Encoder is null ? "?" : sides[0])}-{(Decoder is null ? "?" : sides[1])}/1x{Patch}x{Channels}";
                }
            }
            return $"{Name(Encoder)}-{Name(Decoder)}/1x{Patch}x{Channels}";
        }
    }

    string Name(V2Stack? stack)
    {
        if (stack is null) return "?";
        bool defaultMlp = MlpFactor == DefaultMlpFactor;
        string m = MlpFactor.ToString("0.##", CultureInfo.InvariantCulture);
        var b = Bases.FirstOrDefault(x => x.Width == stack.Width && x.Heads == stack.Heads);
        if (b.Name is not null) return $"{b.Name}d{stack.Depth}" + (defaultMlp ? "" : $"m{m}");
        return $"w{stack.Width}_d{stack.Depth}_h{stack.Heads}" + (defaultMlp ? "" : $"_m{m}");
    }

    /// <summary>
    /// Parses a reference variant string: "ENC-DEC/TxPxC" or "ENC-DEC/PxC" (or one part for both sides), each part
    /// "w{width}_d{depth}_h{heads}[_m{mlp}]" or a base letter (B, L, G, T, E) with optional inline w/d/h/m overrides.
    /// Only temporal stride 1 (images) is supported.
    /// </summary>
    public static ViTokV2Config Parse(string variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var halves = variant.Split('/');
        if (halves.Length != 2) throw new ArgumentException($"Variant '{variant}' is not of the form ENC-DEC/1xPxC.");
        var sides = halves[0].Split('-');
        if (sides.Length > 2) throw new ArgumentException($"Variant '{variant}' has more than two model parts before '/'.");
        int[] strides;
        try { strides = halves[1].Split('x').Select(s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray(); }
        catch (FormatException) { throw new ArgumentException($"Variant '{variant}': '{halves[1]}' is not TxPxC or PxC."); }
        if (strides.Length is not (2 or 3)) throw new ArgumentException($"Variant '{variant}': '{halves[1]}' is not TxPxC or PxC.");
        if (strides.Length == 3 && strides[0] != 1)
            throw new ArgumentException($"Variant '{variant}' has temporal stride {strides[0]}; only images (stride 1) are supported.");
        var enc = ParsePart(variant, sides[0]);
        var dec = ParsePart(variant, sides.Length == 2 ? sides[1] : sides[0]);
        var config = new ViTokV2Config(enc.Stack, dec.Stack, strides[^2], strides[^1], Math.Max(enc.Mlp, dec.Mlp));
        config.Validate();
        return config;
    }

    static (V2Stack Stack, double Mlp) ParsePart(string variant, string part)
    {
        if (part.StartsWith('w') && part.Contains("_d") && part.Contains("_h"))
        {
            var p = part.Split('_');
            try
            {
                double mlp = p.Length > 3 && p[3].StartsWith('m') ? double.Parse(p[3][1..], CultureInfo.InvariantCulture) : DefaultMlpFactor;
                return (new V2Stack(int.Parse(p[0][1..], CultureInfo.InvariantCulture), int.Parse(p[1][1..], CultureInfo.InvariantCulture),
                    int.Parse(p[2][1..], CultureInfo.InvariantCulture)), mlp);
            }
            catch (FormatException) { throw new ArgumentException($"Variant '{variant}': part '{part}' is not w{{width}}_d{{depth}}_h{{heads}}[_m{{mlp}}]."); }
        }
        var width = Regex.Match(part, @"w(\d+)");
        var depth = Regex.Match(part, @"d(\d+)");
        var heads = Regex.Match(part, @"h(\d+)");
        var mlpMatch = Regex.Match(part, @"m(\d+(?:\.\d+)?)");
        string baseName = Regex.Replace(part, @"w\d+|d\d+|h\d+|m\d+(?:\.\d+)?", "");
        var b = Bases.FirstOrDefault(x => x.Name == baseName);
        if (baseName.Length > 0 && b.Name is null)
            throw new ArgumentException($"Variant '{variant}': unknown base '{baseName}' in '{part}'; known: {string.Join(", ", Bases.Select(x => x.Name))}.");
        int Get(Match m, int fallback) => m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : fallback;
        return (new V2Stack(Get(width, b.Name is null ? 768 : b.Width), Get(depth, b.Name is null ? 12 : b.Depth), Get(heads, b.Name is null ? 12 : b.Heads)),
            mlpMatch.Success ? double.Parse(mlpMatch.Groups[1].Value, CultureInfo.InvariantCulture) : DefaultMlpFactor);
    }

    /// <summary>The same model without its decoder.</summary>
    public ViTokV2Config EncoderOnly() => this with { Decoder = null };

    /// <summary>The same model without its encoder.</summary>
    public ViTokV2Config DecoderOnly() => this with { Encoder = null };
}
