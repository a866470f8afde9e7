using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static ViTok.Models.Runtime.HeldScalars;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Generation;

/// <summary>
/// Diffusion Transformer (Peebles and Xie) on tokenizer latents, as the ViTok paper uses it: tokens of c channels are
/// embedded directly (no patchify), fixed 3D sine-cosine positions follow the tokenizer's (t, h, w) grid, and every
/// block is modulated by adaLN-Zero from the timestep + class embedding. Input and output: [B, L, c] (output
/// [B, L, 2c] with learned variance for the DDPM objective).
/// </summary>
public sealed class DiT : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear x_embedder;
    private readonly TimestepEmbedder t_embedder;
    private readonly LabelEmbedder y_embedder;
    private readonly ModuleList<DiTBlock> blocks;
    private readonly FinalLayer final_layer;
    private readonly Tensor pos_embed;                     // [1, L, W], fixed

    public DiTConfig Config { get; }

    public DiT(DiTConfig config) : base(nameof(DiT))
    {
        config.Validate();
        Config = config;
        int w = config.Size.Width;
        x_embedder = Linear(config.Channels, w);
        t_embedder = new TimestepEmbedder(w);
        y_embedder = new LabelEmbedder(config.Classes, w);
        blocks = new ModuleList<DiTBlock>(Enumerable.Range(0, config.Size.Depth).Select(_ => new DiTBlock(w, config.Size.Heads, config.MlpHidden)).ToArray());
        final_layer = new FinalLayer(w, config.OutChannels);
        using (var embedding = PositionAngles.SineCosine(config.Grid.T, config.Grid.H, config.Grid.W, w, 10000))
            pos_embed = embedding.unsqueeze(0).DetachFromDisposeScope();
        register_buffer(nameof(pos_embed), pos_embed, persistent: false);
        RegisterComponents();
        Initialize();
    }

    /// <summary>Noise (or velocity) prediction for latents x [B, L, c] at timesteps t [B] with labels y [B] (Classes = null class).</summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor y)
    {
        using var scope = NewDisposeScope();
        var h = Autocast.Linear(x_embedder, x.to(x_embedder.weight!.dtype)).Plus(pos_embed.to(x_embedder.weight!.dtype));   // [B, L, W]
        var c = t_embedder.forward(t).Plus(y_embedder.forward(y));                                                      // [B, W]
        foreach (var block in blocks) h = block.forward(h, c);
        return final_layer.forward(h, c).to(ScalarType.Float32).MoveToOuterDisposeScope();                         // [B, L, out]
    }

    /// <summary>The null class index, used for unconditional predictions and label dropout.</summary>
    public long NullClass => Config.Classes;

    /// <summary>Where the weights are.</summary>
    public Device Device => x_embedder.weight!.device;

    void Initialize()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
            if (module is Linear l)
            {
                init.xavier_uniform_(l.weight!);
                if (l.bias is not null) init.zeros_(l.bias);
            }
        init.normal_(y_embedder.Table.weight!, std: 0.02);
        foreach (var linear in t_embedder.Layers) init.normal_(linear.weight!, std: 0.02);
        foreach (var block in blocks) block.ZeroModulation();      // adaLN-Zero: every block starts as the identity
        final_layer.ZeroInit();
    }
}

/// <summary>A DiT block: attention and MLP, each pre-normed (LayerNorm without affine), shifted, scaled and gated by adaLN.</summary>
public sealed class DiTBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly Attention attn;
    private readonly LayerNorm norm2;
    private readonly GeluMlp mlp;
    private readonly Linear adaLN_modulation;

    public DiTBlock(int width, int heads, int mlpHidden) : base(nameof(DiTBlock))
    {
        norm1 = LayerNorm(width, eps: 1e-6, elementwise_affine: false);
        attn = new Attention(width, heads, qkvBias: true);
        norm2 = LayerNorm(width, eps: 1e-6, elementwise_affine: false);
        mlp = new GeluMlp(width, mlpHidden);
        adaLN_modulation = Linear(width, 6 * width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor c)
    {
        using var scope = NewDisposeScope();
        var m = Autocast.Linear(adaLN_modulation, functional.silu(c)).to(ScalarType.Float32).chunk(6, 1);   // 6 x [B, W]
        x = x.Plus(m[2].unsqueeze(1) * attn.forward(Modulate(norm1.forward(x), m[0], m[1]), null));
        x = x.Plus(m[5].unsqueeze(1) * mlp.forward(Modulate(norm2.forward(x), m[3], m[4])));
        return x.MoveToOuterDisposeScope();
    }

    internal static Tensor Modulate(Tensor x, Tensor shift, Tensor scale) => (x * (scale.unsqueeze(1).Plus(One))).Plus(shift.unsqueeze(1));

    internal void ZeroModulation()
    {
        init.zeros_(adaLN_modulation.weight!);
        init.zeros_(adaLN_modulation.bias!);
    }
}

/// <summary>Final adaLN-modulated LayerNorm and linear projection to the output channels (zero-initialised).</summary>
public sealed class FinalLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm norm_final;
    private readonly Linear linear;
    private readonly Linear adaLN_modulation;

    public FinalLayer(int width, int outChannels) : base(nameof(FinalLayer))
    {
        norm_final = LayerNorm(width, eps: 1e-6, elementwise_affine: false);
        linear = Linear(width, outChannels);
        adaLN_modulation = Linear(width, 2 * width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor c)
    {
        using var scope = NewDisposeScope();
        var m = Autocast.Linear(adaLN_modulation, functional.silu(c)).to(ScalarType.Float32).chunk(2, 1);
        return Autocast.Linear(linear, DiTBlock.Modulate(norm_final.forward(x), m[0], m[1])).MoveToOuterDisposeScope();
    }

    internal void ZeroInit()
    {
        foreach (var l in new[] { linear, adaLN_modulation })
        {
            init.zeros_(l.weight!);
            init.zeros_(l.bias!);
        }
    }
}

/// <summary>Sinusoidal features of the timestep (256 frequencies) through a two-layer MLP.</summary>
public sealed class TimestepEmbedder : Module<Tensor, Tensor>
{
    private readonly Sequential mlp;                      // mlp.0: Linear(256, width), mlp.1: SiLU, mlp.2: Linear(width, width)
    public const int FrequencySize = 256;

    /// <summary>
    /// Files written before the fix hold the MLP's two layers twice (also as t_embedder._first.* and _second.*,
    /// C# fields that were registered besides mlp): the older name -> the state-dict name, for loading them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> LegacyCopies { get; } = new Dictionary<string, string>
    {
        ["t_embedder._first.weight"] = "t_embedder.mlp.0.weight", ["t_embedder._first.bias"] = "t_embedder.mlp.0.bias",
        ["t_embedder._second.weight"] = "t_embedder.mlp.2.weight", ["t_embedder._second.bias"] = "t_embedder.mlp.2.bias",
    };

    public TimestepEmbedder(int width) : base(nameof(TimestepEmbedder))
    {
        mlp = Sequential(Linear(FrequencySize, width), SiLU(), Linear(width, width));
        RegisterComponents();
    }

    internal IEnumerable<Linear> Layers => mlp.children().OfType<Linear>();

    /// <summary>[cos(t f), sin(t f)] with f = 10000^(-i/128): [B, 256].</summary>
    public static Tensor Frequencies(Tensor t)
    {
        using var scope = NewDisposeScope();
        int half = FrequencySize / 2;
        using Scalar count = half.ToScalar(), logPeriod = (-Math.Log(10000)).ToScalar();
        var freqs = exp(logPeriod * HeldScalars.Range(count, dtype: ScalarType.Float32, device: t.device) / count);
        var args = t.to(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return cat([args.cos(), args.sin()], 1).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor t)
    {
        using var f = Frequencies(t);
        return mlp.forward(f);
    }
}

/// <summary>Class embedding table with one extra row for the null class (classifier-free guidance).</summary>
public sealed class LabelEmbedder : Module<Tensor, Tensor>
{
    private readonly Embedding embedding_table;

    public LabelEmbedder(int classes, int width) : base(nameof(LabelEmbedder))
    {
        embedding_table = Embedding(classes + 1, width);
        RegisterComponents();
    }

    internal Embedding Table => embedding_table;

    public override Tensor forward(Tensor y) => embedding_table.forward(y.to(ScalarType.Int64));
}
