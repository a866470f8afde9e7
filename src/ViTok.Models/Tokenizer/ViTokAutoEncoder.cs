using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Layers;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// ViTok (arXiv 2501.09755, section 2.2): a ViT auto-encoder with a tubelet embedding and a KL bottleneck.
/// <para>Pixels: [B, 3, T, H, W], RGB in [-1, 1] (images are T = 1; a [B, 3, H, W] batch is accepted too).</para>
/// <para>Latents: [B, L, c] with L = (T/q)(H/p)(W/p) tokens ordered t-major, then h, then w (see <see cref="TokenGrid"/>).</para>
/// </summary>
public sealed class ViTokAutoEncoder : Module<Tensor, AutoEncoderOutput>
{
    private readonly ViTokEncoder encoder;
    private readonly ViTokDecoder decoder;

    public ViTokConfig Config { get; }

    public ViTokAutoEncoder(ViTokConfig config) : base(nameof(ViTokAutoEncoder))
    {
        config.Validate();
        Config = config;
        encoder = new ViTokEncoder(config);
        decoder = new ViTokDecoder(config);
        RegisterComponents();
    }

    /// <summary>The encoder (frozen in stage 2 training).</summary>
    public Module Encoder => encoder;

    /// <summary>The decoder (trained alone in stage 2).</summary>
    public Module Decoder => decoder;

    /// <summary>Encodes pixels into the posterior over latents ([B, L, c] mean and log-variance).</summary>
    public DiagonalGaussian Encode(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var clip = AsClip(pixels);
        var moments = encoder.forward(clip, GridOf(clip));                     // [B, L, 2c]
        var posterior = DiagonalGaussian.FromMoments(moments);
        posterior.Mean.MoveToOuterDisposeScope();
        posterior.LogVar.MoveToOuterDisposeScope();
        return posterior;
    }

    /// <summary>Decodes latents [B, L, c] into pixels [B, 3, T, H, W]; <paramref name="grid"/> defaults to the configured one.</summary>
    public Tensor Decode(Tensor latents, TokenGrid? grid = null)
    {
        var g = grid ?? Config.Grid;
        if (latents.dim() != 3 || latents.shape[2] != Config.Channels || latents.shape[1] != g.Count)
            throw new ArgumentException(
                $"Latents must be [batch, {g.Count}, {Config.Channels}] for a {g} token grid with {Config.Channels} channels; got [{string.Join(", ", latents.shape)}].");
        return decoder.forward(latents, g);
    }

    /// <summary>Reconstruction and KL. Samples the posterior in training mode and takes its mean in eval mode.</summary>
    public override AutoEncoderOutput forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        using var posterior = Encode(pixels);
        var z = training ? posterior.Sample() : posterior.Mean.alias();
        var grid = GridOf(AsClip(pixels));
        var reconstruction = Decode(z, grid);
        var kl = posterior.Kl();
        return new AutoEncoderOutput(reconstruction.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }

    /// <summary>[B, 3, H, W] becomes [B, 3, 1, H, W]; anything else must already be [B, 3, T, H, W].</summary>
    Tensor AsClip(Tensor pixels)
    {
        var clip = pixels.dim() == 4 ? pixels.unsqueeze(2) : pixels.alias();
        if (clip.dim() != 5 || clip.shape[1] != 3)
            throw new ArgumentException($"Pixels must be [batch, 3, T, H, W] or [batch, 3, H, W]; got [{string.Join(", ", pixels.shape)}].");
        return clip.to(encoder.DType);
    }

    TokenGrid GridOf(Tensor clip)
    {
        long t = clip.shape[2], h = clip.shape[3], w = clip.shape[4];
        int q = Config.TubeletFrames, p = Config.Patch;
        if (t % q != 0) throw new ArgumentException($"Input has {t} frames, not divisible by the tubelet depth q = {q}.");
        if (h % p != 0 || w % p != 0) throw new ArgumentException($"Input is {h}x{w} pixels, not divisible by the patch size p = {p}.");
        return new TokenGrid((int)(t / q), (int)(h / p), (int)(w / p));
    }
}

/// <summary>What the auto-encoder's forward returns: reconstruction [B, 3, T, H, W] and the KL term (a scalar).</summary>
public sealed record AutoEncoderOutput(Tensor Reconstruction, Tensor Kl) : IDisposable
{
    public void Dispose()
    {
        Reconstruction.Dispose();
        Kl.Dispose();
    }
}

/// <summary>Tubelet embedding, ViT blocks, final LayerNorm, linear to 2c moments.</summary>
public sealed class ViTokEncoder : Module<Tensor, TokenGrid, Tensor>
{
    private readonly Conv3d tubelet_embed;
    private readonly TokenPositions positions;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear to_moments;

    public ViTokEncoder(ViTokConfig config) : base(nameof(ViTokEncoder))
    {
        var size = config.Encoder;
        (long q, long p) = (config.TubeletFrames, config.Patch);
        tubelet_embed = Conv3d(3, size.Width, kernel_size: (q, p, p), stride: (q, p, p));
        positions = new TokenPositions(config, size);
        blocks = new ModuleList<TransformerBlock>(Enumerable.Range(0, size.Depth)
            .Select(_ => new TransformerBlock(size.Width, size.Heads, ViTokConfig.MlpHidden(size.Width))).ToArray());
        norm = LayerNorm(size.Width);
        to_moments = Linear(size.Width, 2 * config.Channels);
        RegisterComponents();
        ViTInit.Apply(this);
    }

    public ScalarType DType => tubelet_embed.weight!.dtype;

    public override Tensor forward(Tensor clip, TokenGrid grid)
    {
        using var scope = NewDisposeScope();
        var x = Autocast.Residual(Tubelets.Embed(tubelet_embed, clip, grid));   // [B, L, W]
        x = positions.AddAbsolute(x, grid);
        var rope = positions.Rope(grid, x.device);
        foreach (var block in blocks) x = block.call(x, rope);                  // call, as block(x) in PyTorch: runs hooks
        return Autocast.Linear(to_moments, norm.forward(x)).to(ScalarType.Float32).MoveToOuterDisposeScope(); // [B, L, 2c]
    }
}

/// <summary>Linear c to width, ViT blocks, final LayerNorm, ConvTranspose3d back to pixels.</summary>
public sealed class ViTokDecoder : Module<Tensor, TokenGrid, Tensor>
{
    private readonly Linear from_latent;
    private readonly TokenPositions positions;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm;
    private readonly ConvTranspose3d to_pixels;

    public ViTokDecoder(ViTokConfig config) : base(nameof(ViTokDecoder))
    {
        var size = config.Decoder;
        (long q, long p) = (config.TubeletFrames, config.Patch);
        from_latent = Linear(config.Channels, size.Width);
        positions = new TokenPositions(config, size);
        blocks = new ModuleList<TransformerBlock>(Enumerable.Range(0, size.Depth)
            .Select(_ => new TransformerBlock(size.Width, size.Heads, ViTokConfig.MlpHidden(size.Width))).ToArray());
        norm = LayerNorm(size.Width);
        to_pixels = ConvTranspose3d(size.Width, 3, kernel_size: (q, p, p), stride: (q, p, p));
        RegisterComponents();
        ViTInit.Apply(this);
    }

    public override Tensor forward(Tensor latents, TokenGrid grid)
    {
        using var scope = NewDisposeScope();
        var x = Autocast.Residual(Autocast.Linear(from_latent, latents.to(from_latent.weight!.dtype))); // [B, L, W]
        x = positions.AddAbsolute(x, grid);
        var rope = positions.Rope(grid, x.device);
        foreach (var block in blocks) x = block.call(x, rope);                  // call, as block(x) in PyTorch: runs hooks
        x = norm.forward(x);
        return Tubelets.Unembed(to_pixels, x, grid).MoveToOuterDisposeScope(); // [B, 3, T, H, W]
    }
}

/// <summary>ViT initialisation: Xavier-uniform weights and zero biases for linear and tubelet layers.</summary>
static class ViTInit
{
    public static void Apply(Module root)
    {
        using var _ = no_grad();
        foreach (var (_, module) in root.named_modules())
        {
            switch (module)
            {
                case Linear l:
                    init.xavier_uniform_(l.weight!);
                    if (l.bias is not null) init.zeros_(l.bias);
                    break;
                case Conv3d c:
                    init.xavier_uniform_(c.weight!.view(c.weight!.shape[0], -1));
                    if (c.bias is not null) init.zeros_(c.bias);
                    break;
                case ConvTranspose3d t:
                    init.xavier_uniform_(t.weight!.view(t.weight!.shape[0], -1));
                    if (t.bias is not null) init.zeros_(t.bias);
                    break;
            }
        }
    }
}
