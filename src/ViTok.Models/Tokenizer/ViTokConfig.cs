using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// Everything that defines a ViTok auto-encoder. Variant names follow the paper:
/// "&lt;encoder size&gt;-&lt;decoder size&gt;/&lt;q&gt;x&lt;p&gt;" (video) or "/&lt;p&gt;" (image, q = 1), e.g. S-B/16, S-B/4x8.
/// The input is T x H x W x 3 with H = W = <see cref="ImageSize"/> and T = <see cref="Frames"/>; the token grid is
/// (T/q) x (H/p) x (W/p) and the bottleneck holds E = tokens x <see cref="Channels"/> numbers.
/// </summary>
public sealed partial record ViTokConfig
{
    public required ViTSize Encoder { get; init; }
    public required ViTSize Decoder { get; init; }

    /// <summary>Tubelet depth q (frames per token). 1 for images.</summary>
    public int TubeletFrames { get; init; } = 1;

    /// <summary>Patch size p (pixels per token side).</summary>
    public int Patch { get; init; } = 16;

    /// <summary>Bottleneck channels c per token.</summary>
    public int Channels { get; init; } = 16;

    /// <summary>Input height and width in pixels.</summary>
    public int ImageSize { get; init; } = 256;

    /// <summary>Input frames T (1 for images).</summary>
    public int Frames { get; init; } = 1;

    public PositionEncoding Position { get; init; } = PositionEncoding.Rope3D;

    /// <summary>Base of the rotary/sine-cosine frequencies.</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>Lower and upper clamp of the posterior log-variance (authors' code: -30, 20).</summary>
    public const double LogVarMin = -30, LogVarMax = 20;

    [JsonIgnore] public string Variant => $"{Encoder.Name}-{Decoder.Name}/{(TubeletFrames == 1 ? "" : TubeletFrames + "x")}{Patch}";
    [JsonIgnore] public int GridT => Frames / TubeletFrames;
    [JsonIgnore] public int GridH => ImageSize / Patch;
    [JsonIgnore] public int GridW => ImageSize / Patch;
    [JsonIgnore] public TokenGrid Grid => new(GridT, GridH, GridW);
    [JsonIgnore] public int Tokens => GridT * GridH * GridW;

    /// <summary>Bottleneck size E = tokens x channels.</summary>
    [JsonIgnore] public long BottleneckSize => (long)Tokens * Channels;

    /// <summary>Numbers per tubelet: 3 x q x p x p.</summary>
    [JsonIgnore] public int TubeletVolume => 3 * TubeletFrames * Patch * Patch;

    /// <summary>SwiGLU hidden width: 8/3 x width (2.67 x, as the paper), rounded up to a multiple of 8.</summary>
    public static int MlpHidden(int width) => (8 * width / 3 + 7) / 8 * 8;

    /// <summary>Builds a configuration from a variant name such as "S-B/16" or "S-B/4x8".</summary>
    /// <param name="frames">Input frames; default 1 for image variants (q = 1) and 16 for video variants.</param>
    public static ViTokConfig FromVariant(string variant, int channels = 16, int imageSize = 256, int? frames = null,
        PositionEncoding position = PositionEncoding.Rope3D)
    {
        var m = VariantPattern().Match(variant ?? "");
        if (!m.Success)
            throw new ArgumentException($"Variant '{variant}' is not of the form <encoder>-<decoder>/<p> or <encoder>-<decoder>/<q>x<p> (e.g. S-B/16, S-B/4x8).");
        int q = m.Groups["q"].Success ? int.Parse(m.Groups["q"].Value) : 1;
        var config = new ViTokConfig
        {
            Encoder = ViTSize.Parse(m.Groups["enc"].Value),
            Decoder = ViTSize.Parse(m.Groups["dec"].Value),
            TubeletFrames = q,
            Patch = int.Parse(m.Groups["p"].Value),
            Channels = channels,
            ImageSize = imageSize,
            Frames = frames ?? (q == 1 ? 1 : 16),
            Position = position,
        };
        config.Validate();
        return config;
    }

    [GeneratedRegex(@"^\s*(?<enc>[A-Za-z][A-Za-z0-9]*)-(?<dec>[A-Za-z][A-Za-z0-9]*)/(?:(?<q>\d+)x)?(?<p>\d+)\s*$")]
    private static partial Regex VariantPattern();

    /// <summary>Throws <see cref="ArgumentException"/> naming the value at fault when the configuration cannot be built.</summary>
    public void Validate()
    {
        Require(Patch >= 1, $"patch size p = {Patch} must be at least 1");
        Require(TubeletFrames >= 1, $"tubelet frames q = {TubeletFrames} must be at least 1");
        Require(Channels >= 1, $"channels c = {Channels} must be at least 1");
        Require(ImageSize >= 1, $"image size = {ImageSize} must be at least 1");
        Require(Frames >= 1, $"frames T = {Frames} must be at least 1");
        Require(ImageSize % Patch == 0, $"image size {ImageSize} is not divisible by the patch size p = {Patch}");
        Require(Frames % TubeletFrames == 0, $"frames T = {Frames} is not divisible by the tubelet depth q = {TubeletFrames}");
        Require(RopeTheta > 1, $"RoPE theta = {RopeTheta} must be greater than 1");
        foreach (var (role, size) in new[] { ("encoder", Encoder), ("decoder", Decoder) })
        {
            Require(size.Width % size.Heads == 0, $"{role} width {size.Width} is not divisible by its {size.Heads} heads");
            int headDim = size.HeadDim;
            if (Position is PositionEncoding.Rope3D or PositionEncoding.Rope1D)
                Require(headDim % 2 == 0, $"{role} head dimension {headDim} is odd; rotary embedding rotates pairs of dimensions");
            if (Position == PositionEncoding.Rope3D)
                Require(headDim >= 6, $"{role} head dimension {headDim} cannot carry 3D RoPE (needs at least one pair per t, h, w axis)");
            if (Position == PositionEncoding.SinCos)
                Require(size.Width % 6 == 0, $"{role} width {size.Width} is not divisible by 6, as 3D sine-cosine positions need");
        }
    }

    static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException("Invalid ViTok configuration: " + message + ".");
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(ConfigDto.From(this), Json);

    /// <summary>Parses what <see cref="ToJson"/> wrote; unknown sizes or bad values raise <see cref="ArgumentException"/>.</summary>
    public static ViTokConfig FromJson(string json)
    {
        ConfigDto dto;
        try { dto = JsonSerializer.Deserialize<ConfigDto>(json, Json) ?? throw new ArgumentException("Tokenizer configuration is empty."); }
        catch (JsonException e) { throw new ArgumentException($"Tokenizer configuration is not valid JSON: {e.Message}", e); }
        var config = dto.ToConfig();
        config.Validate();
        return config;
    }

    sealed record SizeDto(string Name, int Width, int Depth, int Heads);

    sealed record ConfigDto(string Variant, SizeDto Encoder, SizeDto Decoder, int TubeletFrames, int Patch, int Channels,
        int ImageSize, int Frames, PositionEncoding Position, double RopeTheta)
    {
        public static ConfigDto From(ViTokConfig c) => new(c.Variant,
            new SizeDto(c.Encoder.Name, c.Encoder.Width, c.Encoder.Depth, c.Encoder.Heads),
            new SizeDto(c.Decoder.Name, c.Decoder.Width, c.Decoder.Depth, c.Decoder.Heads),
            c.TubeletFrames, c.Patch, c.Channels, c.ImageSize, c.Frames, c.Position, c.RopeTheta);

        public ViTokConfig ToConfig() => new()
        {
            Encoder = new ViTSize(Encoder.Name, Encoder.Width, Encoder.Depth, Encoder.Heads),
            Decoder = new ViTSize(Decoder.Name, Decoder.Width, Decoder.Depth, Decoder.Heads),
            TubeletFrames = TubeletFrames, Patch = Patch, Channels = Channels, ImageSize = ImageSize, Frames = Frames,
            Position = Position, RopeTheta = RopeTheta,
        };
    }
}

/// <summary>The token grid (t, h, w) of a clip: tokens are laid out t-major, then h, then w.</summary>
public readonly record struct TokenGrid(int T, int H, int W)
{
    public int Count => T * H * W;
    public override string ToString() => $"{T}x{H}x{W}";
}
