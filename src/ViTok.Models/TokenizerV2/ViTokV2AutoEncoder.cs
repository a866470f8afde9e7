using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Layers;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// The ViTok-v2 auto-encoder (Na-VAE/vitok-release, vitok/models/ae.py), deterministic:
/// encoder: patch_embed (linear on flattened patches) -> parallel blocks -> to_code -> LayerNorm without affine = z;
/// decoder: decoder_embed -> parallel blocks -> to_pixels (linear back to patch pixels).
/// Blocks use 2D RoPE on the (row, col) of each token (half the head dimension per axis, rows first, theta 10000).
/// Either side may be absent (encoder-only / decoder-only). One image per sequence: every token is valid, so the
/// attention is unmasked; a batch shares one grid.
/// <para>Patches: [B, N, 3 p²] in [-1, 1] (see <see cref="NaFlexPatches"/>); latents: [B, N, c].</para>
/// </summary>
public sealed class ViTokV2AutoEncoder : Module<Tensor, PatchGrid, Tensor>
{
    public const double RopeTheta = 10000.0;
    const double LatentNormEps = 1e-6;

    private readonly Linear? patch_embed;
    private readonly Linear? to_code;
    private readonly ModuleList<ParallelBlock>? encoder_blocks;
    private readonly Linear? decoder_embed;
    private readonly Linear? to_pixels;
    private readonly ModuleList<ParallelBlock>? decoder_blocks;

    public ViTokV2Config Config { get; }

    public ViTokV2AutoEncoder(ViTokV2Config config) : base(nameof(ViTokV2AutoEncoder))
    {
        config.Validate();
        Config = config;
        if (config.Encoder is { } e)
        {
            patch_embed = Linear(config.PixelsPerToken, e.Width);
            to_code = Linear(e.Width, config.Channels);
            encoder_blocks = new ModuleList<ParallelBlock>(Enumerable.Range(0, e.Depth)
                .Select(_ => new ParallelBlock(e.Width, e.Heads, e.MlpHidden(config.MlpFactor))).ToArray());
        }
        if (config.Decoder is { } d)
        {
            decoder_embed = Linear(config.Channels, d.Width);
            to_pixels = Linear(d.Width, config.PixelsPerToken);
            decoder_blocks = new ModuleList<ParallelBlock>(Enumerable.Range(0, d.Depth)
                .Select(_ => new ParallelBlock(d.Width, d.Heads, d.MlpHidden(config.MlpFactor))).ToArray());
        }
        RegisterComponents();
    }

    /// <summary>The dtype of the weights (fp32 as loaded, bf16 after <c>to(BFloat16)</c>).</summary>
    public ScalarType DType => parameters().First().dtype;

    /// <summary>The first encoder step alone: patches [B, N, 3 p²] -> [B, N, encoder width].</summary>
    public Tensor Embed(Tensor patches)
    {
        CheckLast(patches, Config.PixelsPerToken, "Patches", "3 p²");
        return Autocast.Linear(patch_embed ?? throw NoEncoder(), patches.to(DType));
    }

    /// <summary>Patches [B, N, 3 p²] of images on <paramref name="grid"/> (N = rows x cols) -> latents z [B, N, c].</summary>
    public Tensor Encode(Tensor patches, PatchGrid grid)
    {
        if (patch_embed is null || to_code is null || encoder_blocks is null) throw NoEncoder();
        CheckTokens(patches, grid, Config.PixelsPerToken, "Patches");
        using var scope = NewDisposeScope();
        var x = Autocast.Linear(patch_embed, patches.to(DType));                 // [B, N, We]
        var rope = Rope(grid, Config.EncoderStack.HeadDim, x.device);
        foreach (var block in encoder_blocks) x = block.forward(x, rope);
        var code = Autocast.Linear(to_code, x);                                  // [B, N, c]
        var z = functional.layer_norm(code.to(ScalarType.Float32), [Config.Channels], eps: LatentNormEps);
        return z.to(code.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Latents z [B, N, c] on <paramref name="grid"/> -> patches [B, N, 3 p²].</summary>
    public Tensor Decode(Tensor latents, PatchGrid grid)
    {
        if (decoder_embed is null || to_pixels is null || decoder_blocks is null)
            throw new InvalidOperationException($"ViTok-v2 model {Config.Variant} has no decoder (it was loaded encoder-only).");
        CheckTokens(latents, grid, Config.Channels, "Latents");
        using var scope = NewDisposeScope();
        var x = Autocast.Linear(decoder_embed, latents.to(DType));               // [B, N, Wd]
        var rope = Rope(grid, Config.DecoderStack.HeadDim, x.device);
        foreach (var block in decoder_blocks) x = block.forward(x, rope);
        return Autocast.Linear(to_pixels, x).MoveToOuterDisposeScope();           // [B, N, 3 p²]
    }

    /// <summary>Reconstruction of patches [B, N, 3 p²] (encode then decode).</summary>
    public override Tensor forward(Tensor patches, PatchGrid grid)
    {
        using var z = Encode(patches, grid);
        return Decode(z, grid);
    }

    static RopeAngles Rope(PatchGrid grid, int headDim, Device device)
    {
        using var positions = grid.Positions(device);
        return RotaryEmbedding.Create(positions, headDim, RopeTheta);
    }

    InvalidOperationException NoEncoder() => new($"ViTok-v2 model {Config.Variant} has no encoder (it was loaded decoder-only).");

    static void CheckTokens(Tensor x, PatchGrid grid, int last, string what)
    {
        if (x.dim() != 3 || x.shape[1] != grid.Count || x.shape[2] != last)
            throw new ArgumentException($"{what} must be [batch, {grid.Count}, {last}] for a {grid} grid; got [{string.Join(", ", x.shape)}].");
    }

    static void CheckLast(Tensor x, int last, string what, string name)
    {
        if (x.dim() < 2 || x.shape[^1] != last)
            throw new ArgumentException($"{what} must end in {last} ({name}); got [{string.Join(", ", x.shape)}].");
    }
}
