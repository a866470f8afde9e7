using ViTok.Models.Generation;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet.Generate;

/// <summary>What a generator says of itself, kept by its handle while its weights are released.</summary>
/// <param name="ClassNames">The class names, in key order.</param>
/// <param name="Tokenizer">The configuration of the tokenizer whose latents it generates.</param>
/// <param name="Config">The DiT's configuration.</param>
sealed record GeneratorInfo(IReadOnlyList<string> ClassNames, ViTokConfig Tokenizer, DiTConfig Config)
{
    public static GeneratorInfo Of(GeneratorInference inference) =>
        new(inference.Generator.ClassNames.ToArray(), inference.Generator.Tokenizer, inference.Generator.Config);

    /// <summary>Floats per latent: tokens x c.</summary>
    public int LatentLength => Tokenizer.Tokens * Tokenizer.Channels;
}
