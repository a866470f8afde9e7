using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// Labelled latents of one tokenizer, the generator's training data: latents [N, L, c] (posterior means) and labels
/// [N]. Computed once from a source by the tokenizer (<see cref="Encode"/>) and cached on disk as one safetensors
/// file (<see cref="Save"/> / <see cref="Load"/>), so training epochs never run the encoder again. Held in memory.
/// </summary>
public sealed class LatentSet : IDisposable
{
    public const string Kind = "latents";

    /// <summary>[N, L, c] float32 on the CPU.</summary>
    public Tensor Latents { get; }
    /// <summary>[N] int64, each in [0, ClassNames.Count).</summary>
    public Tensor Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The configuration of the tokenizer that made the latents (the generator's token grid and channels).</summary>
    public ViTokConfig Tokenizer { get; }
    /// <summary>Where the latents came from (the source's description).</summary>
    public string Origin { get; }

    public int Count => (int)Latents.shape[0];

    public LatentSet(Tensor latents, Tensor labels, IReadOnlyList<string> classNames, ViTokConfig tokenizer, string origin)
    {
        if (latents.dim() != 3 || latents.shape[1] != tokenizer.Tokens || latents.shape[2] != tokenizer.Channels)
            throw new ArgumentException($"Latents of shape [{string.Join(", ", latents.shape)}] do not fit tokenizer {tokenizer.Variant}: expected [N, {tokenizer.Tokens}, {tokenizer.Channels}].");
        if (labels.dim() != 1 || labels.shape[0] != latents.shape[0])
            throw new ArgumentException($"{labels.shape[0]} labels for {latents.shape[0]} latents.");
        if (classNames.Count < 1) throw new ArgumentException($"Latents from {origin} have no class names: a class-conditional generator needs a labelled source.");
        if (latents.shape[0] < 1) throw new ArgumentException($"No latents from {origin}.");
        using (var finite = latents.isfinite().all(dim: 1).all(dim: 1).logical_not().nonzero())
            if (finite.shape[0] > 0)
                throw new ArgumentException($"Latent {finite[0, 0].item<long>()} from {origin} holds a NaN or infinite value.");
        using Scalar zero = 0.ToScalar(), classes = classNames.Count.ToScalar();
        using (var bad = labels.lt(zero).logical_or(labels.ge(classes)).nonzero())
            if (bad.shape[0] > 0)
                throw new ArgumentException($"Latent {bad[0, 0].item<long>()} from {origin} has label {labels[bad[0, 0]].item<long>()}, outside 0..{classNames.Count - 1}.");
        Latents = latents.to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
        Labels = labels.to(ScalarType.Int64).contiguous().DetachFromDisposeScope();
        ClassNames = classNames;
        Tokenizer = tokenizer;
        Origin = origin;
    }

    /// <summary>
    /// Encodes every item of <paramref name="source"/> (which must be labelled) with <paramref name="tokenizer"/>:
    /// posterior means, in source order, <paramref name="batchSize"/> at a time. <paramref name="progress"/> gets the items done.
    /// </summary>
    public static LatentSet Encode(TokenizerInference tokenizer, IClipSource source, int batchSize = 256, int workers = 2,
        IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        var config = tokenizer.Config;
        if (source.ClassNames.Count == 0)
            throw new ArgumentException($"{source.Description} has no class labels; a class-conditional generator needs a labelled source (fashion-mnist, a folder of class subfolders, synthetic shapes).");
        int n = source.Count, length = tokenizer.LatentLength;
        var latents = new float[(long)n * length];
        var labels = new long[n];
        var inputs = tokenizer.PixelBuffer(batchSize);
        var outputs = tokenizer.LatentBuffer(batchSize);
        using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = batchSize, Shuffle = false, Epochs = 1, Workers = workers });
        int done = 0;
        while (loader.Next(cancel) is { } batch)
        {
            var first = batch.Clips[0];
            if (first.Frames != config.Frames || first.Height != config.ImageSize || first.Width != config.ImageSize)
                throw new ArgumentException($"{source.Description} gives {first.Frames}x{first.Height}x{first.Width} (TxHxW) clips ('{first.Origin}'); " +
                    $"tokenizer {config.Variant} takes {config.Frames}x{config.ImageSize}x{config.ImageSize}: resize the source.");
            for (int i = 0; i < batch.Count; i++) batch.Clips[i].Pixels.CopyTo(inputs.Slot(i));
            tokenizer.Encode(inputs, batch.Count, outputs);
            for (int i = 0; i < batch.Count; i++)
            {
                var clip = batch.Clips[i];
                if (clip.Label < 0 || clip.Label >= source.ClassNames.Count)
                    throw new ArgumentException($"'{clip.Origin}' has no class label (label {clip.Label}); every item must be labelled.");
                outputs.Slot(i).CopyTo(latents.AsSpan(checked((done + i) * length), length));
                labels[done + i] = clip.Label;
            }
            done += batch.Count;
            progress?.Report(done);
        }
        using var scope = NewDisposeScope();
        return new LatentSet(tensor(latents, [n, config.Tokens, config.Channels]), tensor(labels), source.ClassNames, config, source.Description);
    }

    /// <summary>Writes the set atomically as safetensors ("latents", "labels"; tokenizer config and class names in the metadata).</summary>
    public void Save(string path) =>
        SafeTensorsFile.Write(path, [("latents", Latents), ("labels", Labels)], new Dictionary<string, string>
        {
            [TokenizerFile.KindKey] = Kind,
            ["tokenizer.config"] = Tokenizer.ToJson(),
            ["classes"] = JsonSerializer.Serialize(ClassNames),
            ["origin"] = Origin,
            ["count"] = Count.ToString(CultureInfo.InvariantCulture),
        });

    public static LatentSet Load(string path)
    {
        var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(TokenizerFile.KindKey, out var kind) || kind != Kind)
            throw new InvalidDataException($"'{path}' is not a ViTok latent cache (no '{TokenizerFile.KindKey}: {Kind}' metadata).");
        try
        {
            var config = ViTokConfig.FromJson(file.Metadata["tokenizer.config"]);
            var classes = JsonSerializer.Deserialize<string[]>(file.Metadata["classes"]) ?? [];
            using var scope = NewDisposeScope();
            return new LatentSet(file.Read("latents"), file.Read("labels"), classes, config, file.Metadata.GetValueOrDefault("origin", path));
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or JsonException)
        {
            throw new InvalidDataException($"Latent cache '{path}' is damaged: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        Latents.Dispose();
        Labels.Dispose();
    }
}
