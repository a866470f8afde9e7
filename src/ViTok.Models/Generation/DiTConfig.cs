using System.Text.Json;
using System.Text.Json.Serialization;
using ViTok.Models.Tokenizer;

namespace ViTok.Models.Generation;

/// <summary>A DiT size (width, depth, heads): the DiT paper's S, B, L, XL plus small CPU sizes N and T.</summary>
public sealed record DiTSize(string Name, int Width, int Depth, int Heads)
{
    public static readonly DiTSize N = new("N", 96, 4, 2);
    public static readonly DiTSize T = new("T", 192, 6, 3);
    public static readonly DiTSize S = new("S", 384, 12, 6);
    public static readonly DiTSize B = new("B", 768, 12, 12);
    public static readonly DiTSize L = new("L", 1024, 24, 16);
    public static readonly DiTSize XL = new("XL", 1152, 28, 16);

    public static IReadOnlyList<DiTSize> All { get; } = [N, T, S, B, L, XL];

    public static DiTSize Parse(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"DiT size '{name}' is not known; use one of {string.Join(", ", All.Select(s => s.Name))}.");
}

/// <summary>What the generator learns to predict.</summary>
public enum DiffusionObjective
{
    /// <summary>The paper's DDPM: noise prediction with learned variance, linear schedule over 1000 steps.</summary>
    Ddpm,
    /// <summary>Flow matching (SiT / LightningDiT): velocity on the linear path x_t = (1 - t) x0 + t noise.</summary>
    FlowMatching,
}

/// <summary>
/// A DiT over a tokenizer's latent tokens: no patchify (each token of c channels is one DiT token), positions from
/// the tokenizer's (t, h, w) grid, class-conditional with one extra "null" class for classifier-free guidance.
/// </summary>
public sealed record DiTConfig
{
    /// <summary>The defaults (the DiT paper's), in one place (the CLI and the ML.NET options refer to these).</summary>
    public static class Defaults
    {
        /// <summary>The size the CLI and TrainGenerator pick when none is given: T, a CPU size.</summary>
        public const string Size = "T";
        public const DiffusionObjective Objective = DiffusionObjective.Ddpm;
        public const double ClassDropout = 0.1;
        public const double MlpRatio = 4.0;
        public const int DiffusionSteps = 1000;
    }

    public required DiTSize Size { get; init; }
    public required TokenGrid Grid { get; init; }
    public required int Channels { get; init; }
    public required int Classes { get; init; }
    public DiffusionObjective Objective { get; init; } = Defaults.Objective;
    /// <summary>Probability of replacing a label by the null class in training; default <see cref="Defaults.ClassDropout"/>.</summary>
    public double ClassDropout { get; init; } = Defaults.ClassDropout;
    /// <summary>MLP hidden width as a multiple of the width; default <see cref="Defaults.MlpRatio"/>.</summary>
    public double MlpRatio { get; init; } = Defaults.MlpRatio;
    /// <summary>DDPM diffusion steps; default <see cref="Defaults.DiffusionSteps"/>.</summary>
    public int DiffusionSteps { get; init; } = Defaults.DiffusionSteps;

    [JsonIgnore] public bool LearnSigma => Objective == DiffusionObjective.Ddpm;
    [JsonIgnore] public int OutChannels => LearnSigma ? 2 * Channels : Channels;
    [JsonIgnore] public int Tokens => Grid.Count;
    [JsonIgnore] public int MlpHidden => (int)(Size.Width * MlpRatio);

    /// <summary>A generator for the latents of <paramref name="tokenizer"/>.</summary>
    public static DiTConfig For(ViTokConfig tokenizer, string size, int classes, DiffusionObjective objective = Defaults.Objective) => Validated(new DiTConfig
    {
        Size = DiTSize.Parse(size), Grid = tokenizer.Grid, Channels = tokenizer.Channels, Classes = classes, Objective = objective,
    });

    static DiTConfig Validated(DiTConfig c)
    {
        c.Validate();
        return c;
    }

    public void Validate()
    {
        void Require(bool ok, string m) { if (!ok) throw new ArgumentException("Invalid DiT configuration: " + m + "."); }
        Require(Size.Width % Size.Heads == 0, $"width {Size.Width} is not divisible by {Size.Heads} heads");
        Require(Size.Width % 6 == 0, $"width {Size.Width} is not divisible by 6, as 3D sine-cosine positions need");
        Require(Channels >= 1 && Classes >= 1 && Grid.Count >= 1, "channels, classes and tokens must be positive");
        Require(ClassDropout is >= 0 and < 1, $"class dropout {ClassDropout} must be in [0, 1)");
        Require(DiffusionSteps >= 2, $"diffusion steps {DiffusionSteps} must be at least 2");
    }

    static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static DiTConfig FromJson(string json) => Validated(JsonSerializer.Deserialize<DiTConfig>(json, Json) ?? throw new ArgumentException("DiT configuration is empty."));
}
