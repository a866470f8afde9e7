using ViTok.Models.Clips;
using ViTok.Models.Tokenizer;

namespace ViTok.Extensions.AI;

/// <summary>Options of <see cref="TokenizerEmbeddingGenerator"/>.</summary>
public sealed record TokenizerEmbeddingOptions
{
    /// <summary>The defaults.</summary>
    public static class Defaults
    {
        public const LatentPooling Pooling = LatentPooling.Mean;
        /// <summary>Images per forward pass.</summary>
        public const int BatchSize = 32;
        public const string Device = "cpu";
        /// <summary>0: torch's setting (one thread per core).</summary>
        public const int Threads = 0;
        /// <summary>The command line's limit.</summary>
        public const long MaxPixels = ImageFolderOptions.DefaultMaxPixels;
        /// <summary>A native-resolution tokenizer's token budget (larger images are shrunk keeping their aspect ratio).</summary>
        public const int MaxTokens = IImageTokenizer.Defaults.MaxTokens;
    }

    public LatentPooling Pooling { get; init; } = Defaults.Pooling;
    public int BatchSize { get; init; } = Defaults.BatchSize;
    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = Defaults.Device;
    public int Threads { get; init; } = Defaults.Threads;
    /// <summary>Images whose header declares more pixels are refused before they are decoded.</summary>
    public long MaxPixels { get; init; } = Defaults.MaxPixels;
    public int MaxTokens { get; init; } = Defaults.MaxTokens;
}
