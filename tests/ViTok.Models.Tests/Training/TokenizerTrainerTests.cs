using System.Text.Json;
using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Training;

[TestClass]
public sealed class TokenizerTrainerTests
{
    string _dir = "";
    static readonly ViTokConfig Config = ViTokConfig.FromVariant("N-N/8", channels: 8, imageSize: 16);

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        _dir = Directory.CreateTempSubdirectory("vitok-train-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    static List<float[]> Items(int count = 12)
    {
        var rng = new Random(3);
        var items = new List<float[]>();
        for (int i = 0; i < count; i++)
        {
            var item = new float[3 * 16 * 16];
            double a = rng.NextDouble() * 2 - 1, b = rng.NextDouble() * 2 - 1;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 16; y++)
                    for (int x = 0; x < 16; x++)
                        item[(c * 16 + y) * 16 + x] = (float)Math.Tanh(a * (x - 8) / 8.0 + b * (y - 8) / 8.0 + (c - 1) * 0.3);
            items.Add(item);
        }
        return items;
    }

    static TokenizerTrainingOptions Options(long steps) => new()
    {
        Steps = steps, BatchSize = 4, LearningRate = 2e-3, CheckpointEvery = 3, KeepCheckpoints = 2, LogEvery = 1, EvalEvery = 1000, Seed = 5,
    };

    TokenizerTrainer Trainer(TokenizerTrainingOptions options, List<float[]>? items = null, string dataSource = "the test items")
    {
        var data = items ?? Items();
        return new TokenizerTrainer(Config, options, position => new InMemoryBatchStream(data, [3, 1, 16, 16], options.BatchSize, options.Seed, position), dataSource, CPU);
    }

    static double[] Losses(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "history.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => e.GetProperty("loss").GetDouble()).ToArray();

    [TestMethod]
    public void Loss_falls_and_the_run_exports_a_loadable_tokenizer()
    {
        var result = Trainer(Options(40)).Run(_dir);
        Assert.IsTrue(result.Completed);
        var losses = Losses(_dir);
        Assert.AreEqual(40, losses.Length);
        Assert.IsTrue(losses.TakeLast(5).Average() < 0.5 * losses.Take(5).Average(), $"first {losses[0]:G3}, last {losses[^1]:G3}");
        using var model = TokenizerFile.Load(result.ExportedModel!);
        Assert.AreEqual(Config, model.Config);
        Assert.AreEqual(2, TrainingCheckpoint.List(_dir).Count(), "only the newest 2 checkpoints are kept");
    }

    [TestMethod]
    public void A_second_run_into_a_folder_in_use_is_refused_naming_the_holder_and_writes_nothing()
    {
        // Another process's run: the lock file held open exclusively (as RunFolderLock holds it), naming its holder.
        string lockPath = Path.Combine(_dir, RunFolderLock.FileName);
        using (var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            held.Write("pid 4242 on other-host since 2026-11-30T00:00:00Z\n"u8);
            held.Flush();
            var e = Assert.ThrowsExactly<IOException>(() => Trainer(Options(3)).Run(_dir));
            StringAssert.Contains(e.Message, _dir);
            StringAssert.Contains(e.Message, "is in use by another run");
            Assert.IsFalse(File.Exists(Path.Combine(_dir, "history.jsonl")));
            Assert.AreEqual(0, TrainingCheckpoint.List(_dir).Count());
        }
        // A lock file left behind by a run that died is not in the way (the OS released it).
        Assert.IsTrue(File.Exists(lockPath));
        Assert.IsTrue(Trainer(Options(3)).Run(_dir).Completed);
        using (var again = RunFolderLock.Acquire(_dir))
        using (var nested = RunFolderLock.Acquire(_dir)) { }     // the same process may hold it twice
    }

    [TestMethod]
    public void Resuming_with_changed_options_is_refused_naming_them_unless_forced()
    {
        Trainer(Options(3)).Run(_dir);                                           // checkpoint at step 3
        var changed = Options(6) with { Seed = 9, LearningRate = 0.5 };
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Trainer(changed).Run(_dir, resume: true));
        StringAssert.Contains(e.Message, "Seed 5 -> 9");
        StringAssert.Contains(e.Message, "LearningRate");
        StringAssert.Contains(e.Message, "--force-options");
        Assert.IsFalse(e.Message.Contains("Steps"), "more steps may always be asked for");
        var log = new List<string>();
        Assert.IsTrue(Trainer(changed with { ResumeWithChangedOptions = true }).Run(_dir, resume: true, log: log.Add).Completed);
        Assert.IsTrue(log.Any(l => l.StartsWith("resuming with changed options: ")), string.Join("\n", log));
        Assert.IsTrue(Trainer(Options(9) with { Seed = 9, LearningRate = 0.5 }).Run(_dir, resume: true).Completed, "the same options as the checkpoint's");
    }

    [TestMethod]
    public void Resuming_on_other_data_is_refused_naming_both_unless_forced()
    {
        Trainer(Options(3), dataSource: "folder:/data/a = folder /data/a (8 images)").Run(_dir);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Trainer(Options(6), dataSource: "folder:/data/b = folder /data/b (8 images)").Run(_dir, resume: true));
        StringAssert.Contains(e.Message, "data 'folder:/data/a = folder /data/a (8 images)' -> 'folder:/data/b = folder /data/b (8 images)'");
        StringAssert.Contains(e.Message, "--force-options");
        Assert.IsFalse(e.Message.Contains("Steps"), e.Message);
        var log = new List<string>();
        Assert.IsTrue(Trainer(Options(6) with { ResumeWithChangedOptions = true }, dataSource: "folder:/data/b = folder /data/b (8 images)")
            .Run(_dir, resume: true, log: log.Add).Completed);
        Assert.IsTrue(log.Any(l => l.Contains("data 'folder:/data/a")), string.Join("\n", log));
    }

    [TestMethod]
    public void Stopped_and_resumed_run_gives_the_same_losses_as_an_uninterrupted_one()
    {
        string whole = Path.Combine(_dir, "whole"), split = Path.Combine(_dir, "split");
        Trainer(Options(8)).Run(whole);

        using var cancel = new CancellationTokenSource();
        var progress = new Progress(p => { if (p.Step == 4) cancel.Cancel(); });
        var first = Trainer(Options(8)).Run(split, progress: progress, cancel: cancel.Token);
        Assert.IsFalse(first.Completed);
        Assert.AreEqual(4, first.Step);
        var second = Trainer(Options(8)).Run(split, resume: true);
        Assert.IsTrue(second.Completed);

        var a = Losses(whole);
        var b = Losses(split);
        CollectionAssert.AreEqual(a, b, $"whole: {string.Join(", ", a)}\nsplit: {string.Join(", ", b)}");
    }

    [TestMethod]
    public void A_crash_while_writing_a_checkpoint_leaves_the_previous_one_loadable()
    {
        Trainer(Options(3)).Run(_dir);                          // checkpoint at step 3
        string good = TrainingCheckpoint.PathFor(_dir, 3);
        // What a crash mid-write leaves: a temporary file, and (worse) a truncated newer checkpoint.
        File.WriteAllBytes(good + ".tmp-123-abc", new byte[100]);
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(TrainingCheckpoint.PathFor(_dir, 6), bytes[..(bytes.Length / 2)]);

        var log = new List<string>();
        var result = Trainer(Options(5)).Run(_dir, resume: true, log: log.Add);
        Assert.IsTrue(result.Completed);
        Assert.IsTrue(log.Any(l => l.Contains("checkpoint-00000006") && l.Contains("truncated")), string.Join("\n", log));
        Assert.IsTrue(log.Any(l => l.Contains("resumed from") && l.Contains("checkpoint-00000003")), string.Join("\n", log));
    }

    [TestMethod]
    public void A_nan_stops_the_run_cleanly_and_keeps_the_last_checkpoint()
    {
        var items = Items();
        var options = Options(10) with { LearningRate = 1e-3, ResumeWithChangedOptions = true };   // resumed with another learning rate on purpose
        items[0] = items[0].Select(_ => float.NaN).ToArray();   // every epoch reaches it
        Trainer(Options(3)).Run(_dir);
        string good = TrainingCheckpoint.PathFor(_dir, 3);
        var before = File.ReadAllBytes(good);
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => Trainer(options, items).Run(_dir, resume: true));
        StringAssert.Contains(e.Message, "NaN");
        StringAssert.Contains(e.Message, "checkpoint-00000003");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(good), "the last good checkpoint changed");
    }

    [TestMethod]
    public void Stage_2_trains_the_decoder_with_a_discriminator_and_keeps_the_encoder()
    {
        var stage1 = Trainer(Options(6)).Run(Path.Combine(_dir, "s1"));
        using var initial = TokenizerFile.Load(stage1.ExportedModel!);
        var options = Options(6) with { Stage = 2, GanWarmupSteps = 2, GanRampSteps = 2 };
        var result = Trainer(options).Run(Path.Combine(_dir, "s2"), initial: initial);
        using var tuned = TokenizerFile.Load(result.ExportedModel!);
        var a = initial.Encoder.state_dict();
        foreach (var (name, t) in tuned.Encoder.state_dict())
            Assert.IsTrue(t.eq(a[name]).all().item<bool>(), $"encoder tensor {name} changed in stage 2");
        Assert.IsTrue(tuned.Decoder.state_dict().Any(kv => !kv.Value.eq(initial.Decoder.state_dict()[kv.Key]).all().item<bool>()), "decoder did not change");
        var history = File.ReadAllLines(Path.Combine(_dir, "s2", "history.jsonl"));
        Assert.IsTrue(history.All(l => l.Contains("\"disc\"")), "discriminator loss missing");
        Assert.IsTrue(history.Last().Contains("\"gan_g\""), "generator GAN term missing after warm-up");
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
