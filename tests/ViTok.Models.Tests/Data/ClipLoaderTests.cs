using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ClipLoaderTests
{
    static List<ClipBatch> Take(ClipLoader loader, int batches)
    {
        var list = new List<ClipBatch>();
        for (int i = 0; i < batches; i++) list.Add(loader.Next() ?? throw new AssertFailedException($"the loader ended after {i} batches"));
        return list;
    }

    static string[] Shown(IEnumerable<ClipBatch> batches) => batches.Select(FakeSource.Show).ToArray();

    [TestMethod]
    public void Each_epoch_visits_every_item_once_in_a_seeded_order()
    {
        var source = new FakeSource(10);
        using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 3, Seed = 5 });
        Assert.AreEqual(4, loader.BatchesPerEpoch);
        var batches = Take(loader, 8);
        CollectionAssert.AreEqual(new[] { 3, 3, 3, 1, 3, 3, 3, 1 }, batches.Select(b => b.Count).ToArray());
        var epoch0 = batches.Take(4).SelectMany(b => b.Clips).Select(FakeSource.ItemOf).ToArray();
        var epoch1 = batches.Skip(4).SelectMany(b => b.Clips).Select(FakeSource.ItemOf).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), epoch0);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), epoch1);
        CollectionAssert.AreNotEqual(epoch0, epoch1, "each epoch has its own permutation");
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 10).ToArray(), epoch0, "shuffled");
        CollectionAssert.AreEqual(ClipLoader.EpochOrder(10, 5, 0, shuffle: true), epoch0);
        Assert.AreEqual(new LoaderPosition(0, 3), batches[0].Next);
        Assert.AreEqual(new LoaderPosition(1, 0), batches[3].Next);
        Assert.AreEqual(new LoaderPosition(2, 0), loader.Position);
    }

    [TestMethod]
    public void Same_seed_gives_the_same_batches_and_another_seed_others()
    {
        string[] Run(int seed)
        {
            using var loader = new ClipLoader(new FakeSource(12), new ClipLoaderOptions { BatchSize = 4, Seed = seed });
            return Shown(Take(loader, 6));
        }
        CollectionAssert.AreEqual(Run(1), Run(1));
        CollectionAssert.AreNotEqual(Run(1), Run(2));
    }

    [TestMethod]
    public void Batches_do_not_depend_on_worker_count_or_timing()
    {
        // Reads take 0-6 ms depending on the item, so several workers finish out of order.
        string[] Run(int workers)
        {
            var source = new FakeSource(24) { DelayMs = i => i * 7 % 5 + (i % 4 == 0 ? 2 : 0) };
            using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 2, Seed = 9, Workers = workers, Prefetch = 6 });
            return Shown(Take(loader, 20));
        }
        var single = Run(1);
        CollectionAssert.AreEqual(single, Run(4));
        CollectionAssert.AreEqual(single, Run(3));
    }

    [TestMethod]
    public void Augmented_pixels_do_not_depend_on_worker_count()
    {
        var source = new SyntheticImageSource(new SyntheticImageOptions
        {
            Count = 12, Height = 24, Width = 24,
            Transform = new ImageTransform { CropHeight = 16, CropWidth = 16, Crop = CropMode.Random, FlipProbability = 0.5 },
        });
        float[][] Run(int workers)
        {
            using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 3, Seed = 2, Workers = workers });
            return Take(loader, 8).SelectMany(b => b.Clips).Select(c => c.Pixels).ToArray();
        }
        var one = Run(1);
        var three = Run(3);
        for (int i = 0; i < one.Length; i++) CollectionAssert.AreEqual(one[i], three[i], $"clip {i}");
    }

    [TestMethod]
    public void Resuming_from_a_saved_position_gives_the_same_next_batches()
    {
        var options = new ClipLoaderOptions { BatchSize = 3, Seed = 11, Workers = 2 };
        List<ClipBatch> all;
        using (var loader = new ClipLoader(new FakeSource(10), options)) all = Take(loader, 9);

        // Stop after batch 3 (mid epoch 0) and after batch 4 (epoch boundary); save the position as text.
        foreach (int stopAfter in new[] { 3, 4 })
        {
            string saved = all[stopAfter - 1].Next.ToString();
            using var resumed = new ClipLoader(new FakeSource(10), options, LoaderPosition.Parse(saved));
            Assert.AreEqual(all[stopAfter].Position, resumed.Position);
            CollectionAssert.AreEqual(Shown(all.Skip(stopAfter)), Shown(Take(resumed, all.Count - stopAfter)), $"resumed at {saved}");
        }
    }

    [TestMethod]
    public void Without_shuffle_items_come_in_source_order_and_epochs_can_end()
    {
        using var loader = new ClipLoader(new FakeSource(5), new ClipLoaderOptions { BatchSize = 2, Shuffle = false, Epochs = 2 });
        var items = new List<int>();
        while (loader.Next() is { } batch) items.AddRange(batch.Clips.Select(FakeSource.ItemOf));
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4 }, items);
        Assert.IsTrue(loader.Finished);
        Assert.IsNull(loader.Next());
    }

    [TestMethod]
    public void Drop_last_leaves_out_the_short_batch()
    {
        using var loader = new ClipLoader(new FakeSource(5), new ClipLoaderOptions { BatchSize = 2, Shuffle = false, DropLast = true, Epochs = 1 });
        Assert.AreEqual(2, loader.BatchesPerEpoch);
        var batches = new List<ClipBatch>();
        while (loader.Next() is { } b) batches.Add(b);
        Assert.HasCount(2, batches);
        Assert.AreEqual(new LoaderPosition(1, 0), batches[1].Next);
    }

    [TestMethod]
    public void A_bad_item_stops_the_run_naming_the_file()
    {
        var source = new FakeSource(6) { Bad = i => i == 4 };
        using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 2, Shuffle = false });
        Take(loader, 2);
        var e = Assert.ThrowsExactly<BadItemException>(() => loader.Next());
        Assert.AreEqual("/data/item4.png", e.Origin);
        StringAssert.Contains(e.Message, "/data/item4.png");
        Assert.AreEqual(new LoaderPosition(0, 4), loader.Position, "the failed batch is not consumed");
        Assert.ThrowsExactly<BadItemException>(() => loader.Next(), "asking again gives the same error");
    }

    [TestMethod]
    public void Skip_bad_items_replaces_them_deterministically_and_counts_them()
    {
        string[] Run(out int skipped, out IReadOnlyList<string> origins)
        {
            var source = new FakeSource(8) { Bad = i => i is 2 or 3 };
            using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 4, Shuffle = false, SkipBadItems = true, Workers = 2 });
            var batches = Take(loader, 4);   // two epochs
            skipped = loader.SkippedItems;
            origins = loader.BadOrigins.ToArray();
            return Shown(batches);
        }
        var first = Run(out int skipped, out var origins);
        Assert.AreEqual(4, skipped, "two bad items in each of two epochs");
        CollectionAssert.AreEqual(new[] { "/data/item2.png", "/data/item3.png" }, origins.ToArray());
        // Items 2 and 3 are replaced by the next readable index, 4.
        CollectionAssert.AreEqual(new[] { 0, 1, 4, 4 }, first[0].Split(' ').Select(p => int.Parse(p.Split(':')[0])).ToArray());
        CollectionAssert.AreEqual(first, Run(out _, out _), "replacement is deterministic");
    }

    [TestMethod]
    public void Corrupt_image_file_stops_the_run_or_is_skipped_and_listed()
    {
        string dir = TestFiles.NewFolder("loader");
        try
        {
            for (int i = 0; i < 3; i++) TestFiles.SolidImage(Path.Combine(dir, $"good{i}.png"), 4, 4, new SixLabors.ImageSharp.PixelFormats.Rgb24(9, 9, 9));
            string corrupt = Path.Combine(dir, "broken.png");
            File.WriteAllBytes(corrupt, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
            var source = new ImageFolderSource(dir);

            using (var strict = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 4 }))
            {
                var e = Assert.ThrowsExactly<BadItemException>(() => strict.Next());
                StringAssert.Contains(e.Message, corrupt);
            }

            using var lenient = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 4, SkipBadItems = true, Epochs = 1 });
            var batch = lenient.Next()!;
            Assert.AreEqual(4, batch.Count);
            Assert.IsFalse(batch.Clips.Any(c => c.Origin == corrupt));
            Assert.IsNull(lenient.Next());
            Assert.AreEqual(1, lenient.SkippedItems);
            CollectionAssert.AreEqual(new[] { corrupt }, lenient.BadOrigins.ToArray());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void Skipping_gives_up_when_too_many_items_in_a_row_are_bad()
    {
        var source = new FakeSource(20) { Bad = i => i >= 5 };
        using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 8, Shuffle = false, SkipBadItems = true, MaxConsecutiveBadItems = 10 });
        var e = Assert.ThrowsExactly<InvalidDataException>(() => loader.Next());
        StringAssert.Contains(e.Message, "10 items in a row");
        StringAssert.Contains(e.Message, "/data/item14.png");
    }

    [TestMethod]
    public async Task Cancelling_a_wait_loses_no_batch()
    {
        var source = new FakeSource(4) { DelayMs = i => i == 0 ? 1000 : 0 };
        using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 1, Shuffle = false, Workers = 1 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await loader.NextAsync(cts.Token));
        var batch = await loader.NextAsync();
        Assert.AreEqual(0, FakeSource.ItemOf(batch!.Clips[0]));
        Assert.AreEqual(1, FakeSource.ItemOf((await loader.NextAsync())!.Clips[0]));
    }

    [TestMethod]
    public void Decoding_ahead_is_bounded_by_the_queue()
    {
        var source = new FakeSource(100);
        using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 2, Workers = 1, Prefetch = 3 });
        WaitFor(() => source.Reads >= 6);
        Thread.Sleep(200);
        Assert.AreEqual(6, source.Reads, "3 batches of 2 decoded ahead, then the queue is full");
        loader.Next();
        WaitFor(() => source.Reads >= 8);
        Thread.Sleep(200);
        Assert.AreEqual(8, source.Reads, "taking one batch lets one more be decoded");
    }

    static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "timed out waiting for the loader's workers");
            Thread.Sleep(5);
        }
    }

    [TestMethod]
    public void Dispose_stops_the_workers()
    {
        var source = new FakeSource(1000) { DelayMs = _ => 20 };
        var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 4, Workers = 3, Prefetch = 50 });
        Assert.AreEqual(3, loader.AliveWorkers);
        WaitFor(() => source.Reads >= 3);
        loader.Dispose();
        Assert.AreEqual(0, loader.AliveWorkers);
        int reads = source.Reads;
        Thread.Sleep(150);
        Assert.AreEqual(reads, source.Reads, "no read after Dispose returned");
        Assert.ThrowsExactly<ObjectDisposedException>(() => loader.Next());
    }

    [TestMethod]
    public void Bad_options_and_positions_are_rejected_by_name()
    {
        var source = new FakeSource(5);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ClipLoader(source, new ClipLoaderOptions { BatchSize = 0 })).Message, "Batch size");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ClipLoader(source, new ClipLoaderOptions { Workers = 0 })).Message, "workers");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ClipLoader(source, new ClipLoaderOptions { BatchSize = 8, DropLast = true })).Message, "DropLast");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ClipLoader(source, null, new LoaderPosition(0, 6)));
        StringAssert.Contains(Assert.ThrowsExactly<FormatException>(() => LoaderPosition.Parse("3-128")).Message, "'3-128'");
        Assert.AreEqual(new LoaderPosition(3, 128), LoaderPosition.Parse("3:128"));
    }

    [TestMethod]
    public void Loader_over_a_real_source_stacks_batches_into_a_tensor()
    {
        var source = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 6, Frames = 2, Height = 8, Width = 8 });
        using var loader = new ClipLoader(source, new ClipLoaderOptions { BatchSize = 4, Seed = 1 });
        var batch = loader.Next()!;
        using var tensor = batch.ToTensor();
        CollectionAssert.AreEqual(new long[] { 4, 3, 2, 8, 8 }, tensor.shape);
        Assert.AreEqual(batch.Clips[2].Pixels[5], tensor[2].flatten()[5].item<float>());
        Assert.AreEqual(batch.Clips[3].Pixels[^1], tensor[3].flatten()[^1].item<float>());
    }
}
