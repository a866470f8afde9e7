using ViTok.Models.Tokenizer;

namespace ViTok.Models.Generation;

/// <summary>
/// Analytic parameters and multiply-adds of <see cref="DiT"/> for one forward pass of one sample (one multiply-add = one
/// FLOP, the convention of the DiT and ViTok papers). Not counted: norms, activations, softmax, additions.
/// </summary>
public static class DiTCost
{
    public static PartCost Of(DiTConfig config)
    {
        long w = config.Size.Width, h = config.MlpHidden, l = config.Tokens, c = config.Channels, o = config.OutChannels;
        long f = TimestepEmbedder.FrequencySize;
        long blockParams = (3 * w * w + 3 * w) + (w * w + w) + (w * h + h) + (h * w + w) + (w * 6 * w + 6 * w);
        double blockMacs = l * (4.0 * w * w + 2.0 * w * h) + 2.0 * l * l * w + 6.0 * w * w;
        long parameters = (c * w + w) + (f * w + w) + (w * w + w) + (config.Classes + 1) * w
                          + config.Size.Depth * blockParams + (w * o + o) + (w * 2 * w + 2 * w);
        double macs = l * c * w + (f * w + w * w) + config.Size.Depth * blockMacs + 2.0 * w * w + l * w * o;
        return new PartCost(parameters, macs);
    }
}
