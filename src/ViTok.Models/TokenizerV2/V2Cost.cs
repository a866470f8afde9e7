using ViTok.Models.Tokenizer;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// Parameters and multiply-adds of a ViTok-v2 model for one image of <c>tokens</c> tokens (norms, RoPE and the
/// softmax count as no multiply-adds). Parameters match the reference's state dict exactly.
/// </summary>
public static class V2Cost
{
    public static ModelCost Of(ViTokV2Config config, long tokens)
    {
        config.Validate();
        long c = config.Channels, pixels = config.PixelsPerToken;
        var encoder = config.Encoder is { } e
            ? Linear(pixels, e.Width, tokens, bias: true) + Blocks(e, config.MlpFactor, tokens) + Linear(e.Width, c, tokens, bias: true)
            : new PartCost(0, 0);
        var decoder = config.Decoder is { } d
            ? Linear(c, d.Width, tokens, bias: true) + Blocks(d, config.MlpFactor, tokens) + Linear(d.Width, pixels, tokens, bias: true)
            : new PartCost(0, 0);
        return new ModelCost(encoder, decoder);
    }

    static PartCost Blocks(V2Stack stack, double mlpFactor, long tokens)
    {
        long w = stack.Width, h = stack.MlpHidden(mlpFactor);
        var block =
            new PartCost(w + 2 * stack.HeadDim, 0) +                   // norm1, norm_q, norm_k
            Linear(w, 3 * w, tokens, bias: false) +                   // qkv_proj
            new PartCost(0, 2.0 * tokens * tokens * w) +              // q·k and attention·v
            Linear(w, w, tokens, bias: false) +                       // out_proj
            Linear(w, 2 * h, tokens, bias: false) + Linear(h, w, tokens, bias: false) + // SwiGLU fc1, fc2
            new PartCost(w, 0);                                       // LayerScale gamma
        return new PartCost(block.Params * stack.Depth, block.MultiplyAdds * stack.Depth);
    }

    static PartCost Linear(long input, long output, long tokens, bool bias) =>
        new(input * output + (bias ? output : 0), (double)tokens * input * output);
}
