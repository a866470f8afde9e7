using ViTok.Models.Clips;
using ViTok.Models.Generation;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Models.Recipes;

/// <summary>
/// Generator training as `vitok train-generator` and ML.NET's TrainGenerator both run it: the DiT configuration for a
/// tokenizer's latents, the latent set (encoded once from a source and cached in the run folder, or given), and the
/// training run on it (<see cref="GeneratorTrainer"/>).
/// </summary>
public static class GeneratorTrainingRecipe
{
    /// <summary>The defaults of the recipe that are not training options (those are <see cref="GeneratorTrainingOptions.Defaults"/> and <see cref="DiTConfig.Defaults"/>).</summary>
    public static class Defaults
    {
        /// <summary>Background decoding workers while the latents are encoded (the latents do not depend on them).</summary>
        public const int Workers = 2;
    }

    /// <summary>The file in a run folder that holds the latents the generator trains on.</summary>
    public const string LatentFileName = "latents.safetensors";

    /// <summary>The DiT for the latents of <paramref name="tokenizer"/>: <paramref name="size"/>, <paramref name="classes"/>,
    /// <paramref name="objective"/> and <paramref name="classDropout"/>; throws <see cref="ArgumentException"/> naming what does not fit.</summary>
    public static DiTConfig Config(ViTokConfig tokenizer, string size, int classes, DiffusionObjective objective, double classDropout)
    {
        var config = DiTConfig.For(tokenizer, size, classes, objective) with { ClassDropout = classDropout };
        config.Validate();
        return config;
    }

    /// <summary>
    /// The run folder's latent cache (<see cref="LatentFileName"/>): read when it holds the latents of the same tokenizer
    /// configuration from the same source, else (no file) every item of <paramref name="source"/> encoded by the tokenizer
    /// file and written atomically. A cache of other latents is an <see cref="OtherLatentsException"/> (an IOException) naming both.
    /// </summary>
    /// <param name="progress">Items encoded so far.</param>
    public static LatentSet CachedLatents(string folder, string tokenizerPath, IClipSource source, Device device, int workers,
        Action<string>? log = null, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        string path = Path.Combine(folder, LatentFileName);
        var config = TokenizerFile.ReadConfig(tokenizerPath);
        if (File.Exists(path))
        {
            var cached = LatentSet.Load(path);
            if (cached.Tokenizer != config || cached.Origin != source.Description || cached.Count != source.Count)
            {
                string what = $"{cached.Count} latents of {cached.Tokenizer.Variant} from {cached.Origin}";
                cached.Dispose();
                throw new OtherLatentsException($"The latent cache '{path}' holds {what}, not latents of {config.Variant} from {source.Description}; use another run folder or delete it.");
            }
            log?.Invoke($"using the cached latents in {path}");
            return cached;
        }
        log?.Invoke($"encoding {source.Count} items of {source.Description} with {config.Variant} into {path} (once)");
        using var inference = new TokenizerInference(TokenizerFile.Load(tokenizerPath, device), device);
        var set = EncodeLatents(inference, source, workers: workers, progress: progress, cancel: cancel);
        try
        {
            set.Save(path);
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Encodes every item of <paramref name="source"/> (which must be labelled) with <paramref name="tokenizer"/>:
    /// posterior means, in source order, <paramref name="batchSize"/> at a time. <paramref name="progress"/> gets the items done.
    /// </summary>
    public static LatentSet EncodeLatents(TokenizerInference tokenizer, IClipSource source, int batchSize = 256, int workers = Defaults.Workers,
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

    /// <summary>A run folder's latent cache holds the latents of another tokenizer or source.</summary>
    public sealed class OtherLatentsException(string message) : IOException(message);

    /// <summary>Trains the generator <paramref name="config"/> on <paramref name="latents"/> into <paramref name="folder"/>
    /// (checkpoints, history.jsonl, generator.safetensors); resumable.</summary>
    public static TrainingResult Run(DiTConfig config, GeneratorTrainingOptions options, LatentSet latents, Device device, string folder, bool resume = false,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default) =>
        new GeneratorTrainer(config, options, latents, device).Run(folder, resume, progress, log, cancel);
}
