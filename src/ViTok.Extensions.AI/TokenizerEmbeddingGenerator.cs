using Microsoft.Extensions.AI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Extensions.AI;

/// <summary>
/// A ViTok tokenizer as an embedding generator: each <see cref="DataContent"/> (an image file's bytes, media type
/// image/*) is decoded with the command line's guarded decoder (pixel count checked before decoding, truncated files and
/// unknown formats refused; errors name the item), resized and centre-cropped to a fixed-size tokenizer's size (a
/// native-resolution tokenizer takes each image at its own size, up to <see cref="TokenizerEmbeddingOptions.MaxTokens"/>),
/// and encoded in batches to its posterior-mean latent, pooled by <see cref="TokenizerEmbeddingOptions.Pooling"/>.
/// Owns the tokenizer's native weights: dispose it.
/// </summary>
public sealed class TokenizerEmbeddingGenerator : IEmbeddingGenerator<DataContent, Embedding<float>>
{
    readonly IImageTokenizer _tokenizer;
    readonly TokenizerEmbeddingOptions _options;
    readonly ImageTransform _resize;
    readonly EmbeddingGeneratorMetadata _metadata;

    /// <param name="tokenizerPath">A ViTok tokenizer file (.safetensors) or a ViTok-v2 checkpoint folder.</param>
    public TokenizerEmbeddingGenerator(string tokenizerPath, TokenizerEmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizerPath);
        options ??= new TokenizerEmbeddingOptions();
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize = {options.BatchSize}; give at least 1.");
        if (options.MaxPixels < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxPixels = {options.MaxPixels}; give at least 1.");
        if (options.MaxTokens < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxTokens = {options.MaxTokens}; give at least 1.");
        TorchThreads.Check(options.Threads);
        if (!File.Exists(tokenizerPath) && !Directory.Exists(tokenizerPath))
            throw new FileNotFoundException($"Tokenizer '{tokenizerPath}' does not exist.", tokenizerPath);
        var shape = TokenizerFiles.ReadShape(tokenizerPath, TokenizerHalf.Encoder);
        if (shape.Frames != 1) throw new ArgumentException($"Tokenizer '{tokenizerPath}' encodes {shape.Frames}-frame clips; an image embedding generator needs an image tokenizer.", nameof(tokenizerPath));
        TorchRuntime.EnsureLoaded();
        var (type, index) = ComputeOptions.ParseDevice(options.Device);
        _tokenizer = TokenizerFiles.Open(tokenizerPath, encoder: true, decoder: false, new torch.Device(type, index), torch.ScalarType.Float32);
        _options = options;
        _resize = shape.NativeResolution ? ImageTransform.None : ImageTransform.ResizeAndCrop(shape.ImageSize);
        int? dimensions = options.Pooling == LatentPooling.Mean ? shape.Channels
            : shape.NativeResolution ? null : shape.LatentLength(shape.ImageSize, shape.ImageSize);
        _metadata = new EmbeddingGeneratorMetadata("ViTok", null, Path.GetFileName(Path.TrimEndingDirectorySeparator(tokenizerPath)), dimensions);
    }

    /// <summary>What the tokenizer takes and gives.</summary>
    public TokenizerShape Tokenizer => _tokenizer.Shape;

    /// <summary>One embedding per value, in order. Every value is decoded (and checked) before the first forward pass.</summary>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var images = values.Select((content, i) => Read(content, i)).ToList();
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(images.Count);
        for (int start = 0; start < images.Count; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = images.GetRange(start, Math.Min(_options.BatchSize, images.Count - start));
            var latents = TorchThreads.Run(TorchThreads.For(_options.Threads, chunk.Count), () => _tokenizer.Encode(chunk, _options.BatchSize));
            foreach (var latent in latents)
                embeddings.Add(new Embedding<float>(Pool(latent)) { ModelId = _metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow });
        }
        return Task.FromResult(embeddings);
    }

    TokenizerImage Read(DataContent content, int index)
    {
        ArgumentNullException.ThrowIfNull(content, $"values[{index}]");
        string what = $"Item {index}" + (content.Name is { Length: > 0 } name ? $" ('{name}')" : "");
        if (!content.HasTopLevelMediaType("image"))
            throw new ArgumentException($"{what} has media type '{content.MediaType}'; give image files (image/png, image/jpeg, ...).", nameof(content));
        Image<Rgb24> image;
        try { image = ImageFolderSource.Decode(content.Data.ToArray(), what, _options.MaxPixels); }
        catch (BadItemException e) { throw new InvalidDataException(e.Message, e); }
        using (image)
        {
            _resize.Apply(image, Random.Shared);   // a centre crop: the generator is never drawn from
            var pixels = new TokenizerImage(ClipPixels.FromImage(image), image.Height, image.Width);
            return _tokenizer.Shape.NativeResolution ? _tokenizer.ResizeToTokenBudget(pixels, _options.MaxTokens) : pixels;
        }
    }

    float[] Pool(TokenizerLatent latent)
    {
        if (_options.Pooling == LatentPooling.None) return latent.Values;
        int c = _tokenizer.Shape.Channels, tokens = latent.Values.Length / c;
        var mean = new float[c];
        for (int t = 0; t < tokens; t++)
            for (int j = 0; j < c; j++) mean[j] += latent.Values[t * c + j];
        for (int j = 0; j < c; j++) mean[j] /= tokens;
        return mean;
    }

    /// <summary>This generator, or its <see cref="EmbeddingGeneratorMetadata"/>.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Frees the tokenizer's native weights.</summary>
    public void Dispose() => _tokenizer.Dispose();
}
