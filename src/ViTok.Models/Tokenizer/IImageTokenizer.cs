using ViTok.Models.Runtime;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// The one inference contract of every tokenizer family (ViTok: <see cref="TokenizerInference"/>; ViTok-v2:
/// <see cref="TokenizerV2.ViTokV2Inference"/>), for hosts that do not speak torch (ML.NET cursors, the CLI). Open one
/// with <see cref="TokenizerFiles"/>, which is the only place that tells the families apart. Two kinds of batch:
/// <list type="bullet">
/// <item>fixed-size: every item has the same size, written channel-major [3, T, H, W] in [-1, 1] into a
/// <see cref="BatchBuffer"/> that torch reads in place, latents [tokens, c] written back into another;</item>
/// <item>ragged: images each at their own size (<see cref="TokenizerImage"/>), latents with their grid
/// (<see cref="TokenizerLatent"/>); a fixed-size tokenizer takes only images of its size.</item>
/// </list>
/// Everything runs under no_grad in a dispose scope per call. Safe to call from several threads at once (one buffer each).
/// </summary>
public interface IImageTokenizer : IDisposable
{
    /// <summary>The defaults of native-size encoding, for every surface (`vitok encode/reconstruct/metrics --max-tokens`, TokenizeImages' MaxTokens).</summary>
    public static class Defaults
    {
        /// <summary>Token budget of <see cref="ResizeToTokenBudget"/>: larger images are shrunk keeping their aspect ratio.</summary>
        public const int MaxTokens = 256;
    }

    TokenizerShape Shape { get; }

    /// <summary>Encodes items [0, count) of <paramref name="pixels"/> (each <paramref name="height"/> x <paramref name="width"/>)
    /// into <paramref name="latents"/>. <see cref="LatentKind.Sample"/> (only where <see cref="TokenizerShape.HasPosterior"/>)
    /// draws item i's noise from a generator seeded with <paramref name="rowSeeds"/>[i], so it does not depend on its batch.</summary>
    void Encode(BatchBuffer pixels, int count, int height, int width, BatchBuffer latents, LatentKind kind = LatentKind.Mean, IReadOnlyList<long>? rowSeeds = null);

    /// <summary>Decodes items [0, count) of <paramref name="latents"/> into <paramref name="pixels"/> of <paramref name="height"/> x <paramref name="width"/>.</summary>
    void Decode(BatchBuffer latents, int count, int height, int width, BatchBuffer pixels);

    /// <summary>Posterior-mean latents of <paramref name="images"/>, each at its own size; images of equal size share a
    /// forward pass, up to <paramref name="batchSize"/> per pass.</summary>
    TokenizerLatent[] Encode(IReadOnlyList<TokenizerImage> images, int batchSize);

    /// <summary>Images decoded from <paramref name="latents"/>, each at the size it was encoded at.</summary>
    TokenizerImage[] Decode(IReadOnlyList<TokenizerLatent> latents, int batchSize);

    /// <summary><paramref name="image"/> shrunk (aspect ratio kept) to at most <paramref name="maxTokens"/> tokens; the same
    /// object when it fits. A fixed-size tokenizer refuses images of another size.</summary>
    TokenizerImage ResizeToTokenBudget(TokenizerImage image, int maxTokens);
}
