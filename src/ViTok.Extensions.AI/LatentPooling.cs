namespace ViTok.Extensions.AI;

/// <summary>How a latent [tokens, c] becomes one embedding vector.</summary>
public enum LatentPooling
{
    /// <summary>The mean over tokens: c values, the same length for every image and every image size.</summary>
    Mean,
    /// <summary>The whole latent, tokens x c values, token-major (a native-resolution tokenizer: one length per image size).</summary>
    None,
}
