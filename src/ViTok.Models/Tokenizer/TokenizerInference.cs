using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>Which latent an encoder call returns.</summary>
public enum LatentKind
{
    /// <summary>The posterior mean (deterministic; the default for featurization).</summary>
    Mean,
    /// <summary>A sample of the posterior (each row's noise from its own seed, so a row's sample does not depend on its batch).</summary>
    Sample,
}

/// <summary>
/// Batched inference over plain float buffers, for hosts that do not speak torch (ML.NET cursors, the CLI): torch
/// reads the batch where the host wrote it (<see cref="BatchBuffer"/>, no copy), runs one forward pass under no_grad
/// in the chosen precision, and writes the results into the host's buffer in one copy (converting to float32 on the
/// way). All tensors live in a dispose scope per call. Safe to call from several threads at once (one buffer each).
/// </summary>
public sealed class TokenizerInference : IImageTokenizer
{
    readonly ViTokAutoEncoder _model;
    readonly bool _ownsModel;

    public ViTokConfig Config => _model.Config;
    public TokenizerShape Shape { get; }
    public Device Device { get; }
    public ScalarType DType { get; }

    /// <param name="model">The tokenizer; it is moved to <paramref name="device"/> and <paramref name="dtype"/> and put in eval mode.</param>
    /// <param name="ownsModel">Dispose the model with this object.</param>
    public TokenizerInference(ViTokAutoEncoder model, Device device, ScalarType dtype = ScalarType.Float32, bool ownsModel = true)
    {
        TorchRuntime.PrepareForInference(model, device, dtype);
        _model = model;
        _ownsModel = ownsModel;
        Device = device;
        DType = dtype;
        Shape = TokenizerShape.Of(model.Config);
    }

    /// <summary>Floats per input item: 3 x T x H x W (channel-major RGB in [-1, 1]).</summary>
    public int PixelLength => 3 * Config.Frames * Config.ImageSize * Config.ImageSize;

    /// <summary>Floats per latent: tokens x c.</summary>
    public int LatentLength => Config.Tokens * Config.Channels;

    /// <summary>A buffer of <paramref name="capacity"/> inputs (<see cref="PixelLength"/> floats each) for <c>Encode</c>.</summary>
    public BatchBuffer PixelBuffer(int capacity) => new(capacity, PixelLength);

    /// <summary>A buffer of <paramref name="capacity"/> latents (<see cref="LatentLength"/> floats each) for <c>Decode</c>.</summary>
    public BatchBuffer LatentBuffer(int capacity) => new(capacity, LatentLength);

    /// <summary>
    /// Encodes items [0, count) of <paramref name="pixels"/> into <paramref name="latents"/>. A <see cref="LatentKind.Sample"/>
    /// draws item i's noise from its own generator seeded with <paramref name="rowSeeds"/>[i], so it does not depend on
    /// the batch it is in.
    /// </summary>
    public void Encode(BatchBuffer pixels, int count, BatchBuffer latents, LatentKind kind = LatentKind.Mean, IReadOnlyList<long>? rowSeeds = null)
    {
        CheckBuffers(pixels, PixelLength, latents, LatentLength, count);
        if (kind == LatentKind.Sample && (rowSeeds is null || rowSeeds.Count < count))
            throw new ArgumentException($"A sampled latent needs one seed per item: {rowSeeds?.Count ?? 0} seeds for {count} items.", nameof(rowSeeds));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = pixels.View(count, 3, Config.Frames, Config.ImageSize, Config.ImageSize).to(Device).to(DType);
        using var posterior = _model.Encode(input);
        if (kind == LatentKind.Sample)
        {
            using var noise = new Generation.RowNoise(rowSeeds!.Take(count).ToArray(), Device);
            latents.CopyFrom(posterior.Sample(noise.Randn(Config.Tokens, Config.Channels).to(posterior.Mean.dtype)));
        }
        else latents.CopyFrom(posterior.Mean);
    }

    /// <summary>Decodes items [0, count) of <paramref name="latents"/> into <paramref name="pixels"/>.</summary>
    public void Decode(BatchBuffer latents, int count, BatchBuffer pixels)
    {
        CheckBuffers(latents, LatentLength, pixels, PixelLength, count);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = latents.View(count, Config.Tokens, Config.Channels).to(Device).to(DType);
        pixels.CopyFrom(_model.Decode(z));
    }

    public void Encode(BatchBuffer pixels, int count, int height, int width, BatchBuffer latents, LatentKind kind = LatentKind.Mean, IReadOnlyList<long>? rowSeeds = null)
    {
        Shape.GridFor(height, width);   // refuses another size
        Encode(pixels, count, latents, kind, rowSeeds);
    }

    public void Decode(BatchBuffer latents, int count, int height, int width, BatchBuffer pixels)
    {
        Shape.GridFor(height, width);
        Decode(latents, count, pixels);
    }

    /// <summary>Posterior means of single images, which must all be of this tokenizer's size (it takes no other).</summary>
    public TokenizerLatent[] Encode(IReadOnlyList<TokenizerImage> images, int batchSize)
    {
        for (int i = 0; i < images.Count; i++) CheckSize(images[i], $"Image {i}");
        var grid = new TokenizerV2.PatchGrid(Config.GridH, Config.GridW);
        var results = new TokenizerLatent[images.Count];
        foreach (var chunk in Chunks(images.Count, batchSize))
        {
            var pixels = PixelBuffer(chunk.Length);
            var latents = LatentBuffer(chunk.Length);
            for (int k = 0; k < chunk.Length; k++) images[chunk[k]].Pixels.CopyTo(pixels.Slot(k));
            Encode(pixels, chunk.Length, latents);
            for (int k = 0; k < chunk.Length; k++) results[chunk[k]] = new TokenizerLatent(latents.Slot(k).ToArray(), grid, Config.ImageSize, Config.ImageSize);
        }
        return results;
    }

    /// <summary>Images decoded from latents of this tokenizer's grid.</summary>
    public TokenizerImage[] Decode(IReadOnlyList<TokenizerLatent> latents, int batchSize)
    {
        for (int i = 0; i < latents.Count; i++)
            if (latents[i].Height != Config.ImageSize || latents[i].Width != Config.ImageSize || latents[i].Values.Length != LatentLength)
                throw new ArgumentException($"Latent {i}: {latents[i].Values.Length} values of a {latents[i].Width}x{latents[i].Height} image; tokenizer {Shape} decodes {LatentLength} values to {Config.ImageSize}x{Config.ImageSize}.");
        var results = new TokenizerImage[latents.Count];
        foreach (var chunk in Chunks(latents.Count, batchSize))
        {
            var z = LatentBuffer(chunk.Length);
            var pixels = PixelBuffer(chunk.Length);
            for (int k = 0; k < chunk.Length; k++) latents[chunk[k]].Values.CopyTo(z.Slot(k));
            Decode(z, chunk.Length, pixels);
            for (int k = 0; k < chunk.Length; k++) results[chunk[k]] = new TokenizerImage(pixels.Slot(k).ToArray(), Config.ImageSize, Config.ImageSize);
        }
        return results;
    }

    /// <summary>A fixed-size tokenizer has one size: the image itself when it has it, else an error.</summary>
    public TokenizerImage ResizeToTokenBudget(TokenizerImage image, int maxTokens)
    {
        CheckSize(image, "The image");
        if (Config.Tokens > maxTokens)
            throw new ArgumentException($"Tokenizer {Shape} makes {Config.Tokens} tokens per image, over the budget of {maxTokens}; its size is fixed.");
        return image;
    }

    void CheckSize(TokenizerImage image, string what)
    {
        image.Check(what);
        if (Config.Frames != 1) throw new ArgumentException($"{what}: tokenizer {Shape} takes {Config.Frames}-frame clips, not single images.");
        if (image.Height != Config.ImageSize || image.Width != Config.ImageSize)
            throw new ArgumentException($"{what} is {image.Width}x{image.Height}; tokenizer {Shape} takes {Config.ImageSize}x{Config.ImageSize} only.");
    }

    static IEnumerable<int[]> Chunks(int count, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        return Enumerable.Range(0, count).Chunk(batchSize);
    }

    static void CheckBuffers(BatchBuffer input, int inputLength, BatchBuffer output, int outputLength, int count)
    {
        if (input.ItemLength != inputLength || output.ItemLength != outputLength)
            throw new ArgumentException($"Buffers of {input.ItemLength} and {output.ItemLength} floats per item; this tokenizer takes {inputLength} and gives {outputLength}.");
        if (count < 1 || count > input.Capacity || count > output.Capacity)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Between 1 and the buffers' capacities ({input.Capacity}, {output.Capacity}).");
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
