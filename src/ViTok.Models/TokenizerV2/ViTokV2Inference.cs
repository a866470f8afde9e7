using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// Batched ViTok-v2 inference over plain float arrays, for hosts that do not speak torch (ML.NET cursors, the CLI).
/// Images of any size run at their own size (one sequence per image, no padding tokens); images with the same
/// size share a forward pass. Everything runs under no_grad in a dispose scope per call, in fp32 or bf16 (weights
/// converted; norms computed in fp32). Safe to call from several threads at once.
/// </summary>
public sealed class ViTokV2Inference : IImageTokenizer
{
    readonly ViTokV2AutoEncoder _model;
    readonly bool _ownsModel;

    public ViTokV2Config Config => _model.Config;
    public TokenizerShape Shape { get; }
    public Device Device { get; }
    public ScalarType DType { get; }

    /// <param name="model">The model; moved to <paramref name="device"/> and <paramref name="dtype"/> and put in eval mode.</param>
    /// <param name="ownsModel">Dispose the model with this object.</param>
    public ViTokV2Inference(ViTokV2AutoEncoder model, Device device, ScalarType dtype = ScalarType.Float32, bool ownsModel = true)
    {
        TorchRuntime.PrepareForInference(model, device, dtype);
        _model = model;
        _ownsModel = ownsModel;
        Device = device;
        DType = dtype;
        Shape = TokenizerShape.Of(model.Config);
    }

    /// <summary>Encodes items [0, count) of <paramref name="pixels"/>, all <paramref name="height"/> x <paramref name="width"/>,
    /// in one forward pass. The latent is deterministic: <see cref="LatentKind.Sample"/> is refused.</summary>
    public void Encode(BatchBuffer pixels, int count, int height, int width, BatchBuffer latents, LatentKind kind = LatentKind.Mean, IReadOnlyList<long>? rowSeeds = null)
    {
        if (kind == LatentKind.Sample)
            throw new ArgumentException($"ViTok-v2 model {Config.Variant} has no posterior to sample (its latent is deterministic).", nameof(kind));
        CheckBuffers(pixels, Shape.PixelLength(height, width), latents, Shape.LatentLength(height, width), count);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = pixels.View(count, 3, height, width).to(Device);
        PatchGrid grid = default;
        var patches = new List<Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            (var p, grid) = NaFlexPatches.Patchify(images[i], Config.Patch);
            patches.Add(p);
        }
        latents.CopyFrom(_model.Encode(stack(patches), grid));   // [B, N, c]
    }

    /// <summary>Decodes items [0, count) of <paramref name="latents"/> into images of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public void Decode(BatchBuffer latents, int count, int height, int width, BatchBuffer pixels)
    {
        CheckBuffers(latents, Shape.LatentLength(height, width), pixels, Shape.PixelLength(height, width), count);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var grid = PatchGrid.ForImage(height, width, Config.Patch);
        var z = latents.View(count, grid.Count, Config.Channels).to(Device);
        var patches = _model.Decode(z, grid).to(ScalarType.Float32);   // [B, N, 3 p²]
        pixels.CopyFrom(stack(Enumerable.Range(0, count).Select(k => NaFlexPatches.Unpatchify(patches[k], grid, Config.Patch, height, width)).ToList()));
    }

    static void CheckBuffers(BatchBuffer input, int inputLength, BatchBuffer output, int outputLength, int count)
    {
        if (input.ItemLength != inputLength || output.ItemLength != outputLength)
            throw new ArgumentException($"Buffers of {input.ItemLength} and {output.ItemLength} floats per item; this size takes {inputLength} and gives {outputLength}.");
        if (count < 1 || count > input.Capacity || count > output.Capacity)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Between 1 and the buffers' capacities ({input.Capacity}, {output.Capacity}).");
    }

    /// <summary>Latents of <paramref name="images"/> (each at its own size; resize large ones first with
    /// <see cref="ResizeToTokenBudget"/>). Images of equal size are batched, up to <paramref name="batchSize"/> per pass.</summary>
    public TokenizerLatent[] Encode(IReadOnlyList<TokenizerImage> images, int batchSize)
    {
        for (int i = 0; i < images.Count; i++) images[i].Check($"Image {i}");
        var results = new TokenizerLatent[images.Count];
        foreach (var group in Groups(images.Count, i => (images[i].Height, images[i].Width), batchSize))
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var (h, w) = (images[group[0]].Height, images[group[0]].Width);
            var patches = new List<Tensor>();
            PatchGrid grid = default;
            foreach (int i in group)
            {
                var image = tensor(images[i].Pixels, [3, h, w], device: Device);
                (var p, grid) = NaFlexPatches.Patchify(image, Config.Patch);
                patches.Add(p);
            }
            var z = _model.Encode(stack(patches), grid).to(ScalarType.Float32).cpu();   // [B, N, c]
            for (int k = 0; k < group.Count; k++)
                results[group[k]] = new TokenizerLatent(z[k].data<float>().ToArray(), grid, h, w);
        }
        return results;
    }

    /// <summary>Images decoded from <paramref name="latents"/>, each at the size it was encoded at.</summary>
    public TokenizerImage[] Decode(IReadOnlyList<TokenizerLatent> latents, int batchSize)
    {
        for (int i = 0; i < latents.Count; i++)
        {
            var l = latents[i];
            if (PatchGrid.ForImage(l.Height, l.Width, Config.Patch) != l.Grid)
                throw new ArgumentException($"Latent {i}: image size {l.Height}x{l.Width} does not give the {l.Grid} grid of {Config.Patch}-pixel patches.");
            if (l.Values.Length != (long)l.Grid.Count * Config.Channels)
                throw new ArgumentException($"Latent {i}: {l.Values.Length} values; a {l.Grid} grid with {Config.Channels} channels needs {l.Grid.Count * Config.Channels}.");
        }
        var results = new TokenizerImage[latents.Count];
        foreach (var group in Groups(latents.Count, i => (latents[i].Height, latents[i].Width), batchSize))
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var first = latents[group[0]];
            var z = stack(group.Select(i => tensor(latents[i].Values, [first.Grid.Count, Config.Channels], device: Device)).ToList());
            var patches = _model.Decode(z, first.Grid).to(ScalarType.Float32).cpu();   // [B, N, 3 p²]
            for (int k = 0; k < group.Count; k++)
            {
                var image = NaFlexPatches.Unpatchify(patches[k], first.Grid, Config.Patch, first.Height, first.Width);
                results[group[k]] = new TokenizerImage(image.data<float>().ToArray(), first.Height, first.Width);
            }
        }
        return results;
    }

    /// <summary><paramref name="image"/> shrunk (bilinear, antialiased, aspect ratio kept) to fit <paramref name="maxTokens"/>
    /// tokens, as the reference's preprocessing does; the same object when it already fits.</summary>
    public TokenizerImage ResizeToTokenBudget(TokenizerImage image, int maxTokens)
    {
        var (h, w) = NaFlexPatches.FitToTokenBudget(image.Height, image.Width, Config.Patch, maxTokens);
        if (h == image.Height && w == image.Width) return image;
        using var scope = NewDisposeScope();
        var resized = NaFlexPatches.ResizeToTokenBudget(tensor(image.Pixels, [3, image.Height, image.Width]), Config.Patch, maxTokens);
        return new TokenizerImage(resized.data<float>().ToArray(), h, w);
    }

    /// <summary>Indices grouped by key in first-seen order, in chunks of at most <paramref name="batchSize"/>.</summary>
    static IEnumerable<List<int>> Groups(int count, Func<int, (int, int)> key, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        return Enumerable.Range(0, count).GroupBy(key).SelectMany(g => g.Chunk(batchSize).Select(c => c.ToList()));
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
