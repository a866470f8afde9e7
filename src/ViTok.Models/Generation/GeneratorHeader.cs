using ViTok.Models.Tokenizer;

namespace ViTok.Models.Generation;

/// <summary>A generator file's header: the DiT configuration, the latent normalization, the class names and the tokenizer configuration.</summary>
public sealed record GeneratorHeader(DiTConfig Config, LatentNormalization Normalization, IReadOnlyList<string> ClassNames, ViTokConfig Tokenizer);
