namespace ViTok.Models.Tokenizer;

/// <summary>Parameters and compute of one part of a model. GFLOPs follow the paper: one multiply-add = one FLOP.</summary>
public sealed record PartCost(long Params, double MultiplyAdds)
{
    public double ParamsM => Params / 1e6;
    public double GFlops => MultiplyAdds / 1e9;
    public static PartCost operator +(PartCost a, PartCost b) => new(a.Params + b.Params, a.MultiplyAdds + b.MultiplyAdds);
}

/// <summary>Cost of an encoder-decoder pair for one input clip.</summary>
public sealed record ModelCost(PartCost Encoder, PartCost Decoder)
{
    public PartCost Total => Encoder + Decoder;
}

/// <summary>
/// Analytic parameter and multiply-add counts of <see cref="ViTokAutoEncoder"/> for one clip of the configured size.
/// Counted: every linear/convolution multiply-add and the two attention products (q·k and attention·v, 2 L² W per
/// block). Not counted (as in the paper): normalisation, softmax, activations, RoPE, additions.
/// A test checks the parameter formula against the module itself.
/// </summary>
public static class TokenizerCost
{
    /// <param name="convention">
    /// <see cref="FlopConvention.Exact"/> (default) counts every multiply-add of the tubelet layers (3·q·p·p per
    /// token and width unit). <see cref="FlopConvention.Paper"/> counts them as 3·p·p, which is what the paper's
    /// published video figures imply (its S-B/4x16 at 16x128x128 is quoted at 34.8, exactly S-B/16 at 256p).
    /// Images (q = 1) are the same under both; parameters never differ.
    /// </param>
    public static ModelCost Of(ViTokConfig config, FlopConvention convention = FlopConvention.Exact)
    {
        config.Validate();
        long l = config.Tokens, c = config.Channels, v = config.TubeletVolume;
        long counted = convention == FlopConvention.Paper ? 3L * config.Patch * config.Patch : v;
        var e = config.Encoder;
        var d = config.Decoder;

        var encoder =
            new PartCost(v * e.Width + e.Width, (double)l * counted * e.Width) + // tubelet embedding (Conv3d)
            Positions(config, e, l) +
            Blocks(e, l) +
            Norm(e.Width) +                                           // final LayerNorm
            Linear(e.Width, 2 * c, l);                                // to mean and log-variance

        var decoder =
            Linear(c, d.Width, l) +                                   // latent to width
            Positions(config, d, l) +
            Blocks(d, l) +
            Norm(d.Width) +
            new PartCost(d.Width * v + 3, (double)l * d.Width * counted); // ConvTranspose3d to pixels (bias per RGB channel)

        return new ModelCost(encoder, decoder);
    }

    static PartCost Blocks(ViTSize size, long tokens)
    {
        long w = size.Width, h = ViTokConfig.MlpHidden(size.Width);
        var block =
            Norm(w) +
            new PartCost(3 * w * w, 3.0 * tokens * w * w) +           // qkv, no bias
            new PartCost(0, 2.0 * tokens * tokens * w) +              // q·k and attention·v
            Linear(w, w, tokens) +                                    // output projection
            Norm(w) +
            Linear(w, h, tokens) + Linear(w, h, tokens) + Linear(h, w, tokens); // SwiGLU
        return new PartCost(block.Params * size.Depth, block.MultiplyAdds * size.Depth);
    }

    static PartCost Linear(long input, long output, long tokens) => new(input * output + output, (double)tokens * input * output);

    static PartCost Norm(long width) => new(2 * width, 0);

    static PartCost Positions(ViTokConfig config, ViTSize size, long tokens) =>
        config.Position == PositionEncoding.Learned ? new PartCost(tokens * size.Width, 0) : new PartCost(0, 0);
}

/// <summary>How the tubelet layers' multiply-adds are counted; see <see cref="TokenizerCost.Of"/>.</summary>
public enum FlopConvention
{
    Exact,
    Paper,
}
