using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Shards;

/// <summary>
/// Encodes a run of a shard's items, a batch at a time: the batch's files are decoded in parallel (as many at once as
/// --threads, or the cores when automatic), then encoded in one forward pass of the full batch size with the same
/// thread count, so an item's latent is the same bits in whichever shard and batch it lands (for one batch size,
/// thread count and device). An
/// unreadable file (<see cref="BadItemException"/>) is skipped and reported when skipping is allowed, and stops the
/// run otherwise. Item i of the source is read with the random stream of (0, 0, i), as `vitok encode` without shards
/// reads it, so a shard's latents equal the unsharded ones.
/// </summary>
sealed class PartEncoder(ShardedEncodingOptions options, TokenizerInference inference, int[] indices)
{
    readonly BatchBuffer _pixels = inference.PixelBuffer(options.Batch);
    readonly BatchBuffer _latents = inference.LatentBuffer(options.Batch);

    /// <summary>Rows and skipped items of shard items [first, first + count).</summary>
    public (List<ShardedEncoding.PartRow> Rows, List<SkippedItem> Skipped) Encode(int first, int count)
    {
        var rows = new List<ShardedEncoding.PartRow>(count);
        var skipped = new List<SkippedItem>();
        var clips = new Clip?[options.Batch];
        var failures = new BadItemException?[options.Batch];
        int threads = options.Compute.Threads > 0 ? options.Compute.Threads : Environment.ProcessorCount;
        for (int start = first; start < first + count; start += options.Batch)
        {
            int n = Math.Min(options.Batch, first + count - start);
            Array.Clear(clips);
            Array.Clear(failures);
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, j =>
            {
                int index = indices[start + j];
                try { clips[j] = options.Source.Read(index, DeterministicRandom.ForItem(0, 0, index)); }
                catch (BadItemException e) { failures[j] = e; }
            });
            var kept = new List<Clip>(n);
            for (int j = 0; j < n; j++)
            {
                if (failures[j] is { } bad)
                {
                    if (!options.SkipBadFiles)
                        throw new InvalidDataException($"{bad.Message} ({options.Shard.Name} stopped at item {start + j} of {indices.Length}; its committed parts are kept; --skip-bad-files skips such files).", bad);
                    skipped.Add(new SkippedItem(start + j, bad.Origin, ReasonOf(bad)));
                    continue;
                }
                var clip = clips[j]!;
                if (clip.Length != inference.PixelLength)
                    throw new InvalidDataException($"{clip.Origin}: a {clip.Frames}x{clip.Height}x{clip.Width} clip; the tokenizer takes {inference.Config.Frames}x{inference.Config.ImageSize}x{inference.Config.ImageSize} (add resize=/crop= keys to --data).");
                clip.Pixels.CopyTo(_pixels.Slot(kept.Count));
                kept.Add(clip);
            }
            if (kept.Count == 0) continue;
            // Every pass has the full batch shape (short batches padded with the last image): matrix kernels may
            // round differently for another batch size, and an item's latent must not depend on its shard.
            for (int j = kept.Count; j < options.Batch; j++) _pixels.Slot(kept.Count - 1).CopyTo(_pixels.Slot(j));
            TorchThreads.Run(TorchThreads.For(options.Compute.Threads, options.Batch), () =>
                inference.Encode(_pixels, options.Batch, _latents, LatentKind.Mean));
            for (int j = 0; j < kept.Count; j++)
                rows.Add(new ShardedEncoding.PartRow { Origin = kept[j].Origin, Label = kept[j].Label, Latent = _latents.Slot(j).ToArray() });
        }
        return (rows, skipped);
    }

    /// <summary>The reason without the origin that <see cref="BadItemException"/>'s message starts with.</summary>
    static string ReasonOf(BadItemException e) =>
        e.Message.StartsWith(e.Origin + ": ", StringComparison.Ordinal) ? e.Message[(e.Origin.Length + 2)..] : e.Message;
}
