using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Generation;
using ViTok.Models.Recipes;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Training;

[TestClass]
public sealed class GeneratorTrainerTests
{
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        _dir = Directory.CreateTempSubdirectory("vitok-gen-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    static ViTokAutoEncoder TinyTokenizer(int frames = 1)
    {
        random.manual_seed(1);
        return new ViTokAutoEncoder(ViTokConfig.FromVariant(frames == 1 ? "N-N/8" : "N-N/2x8", channels: 4, imageSize: 16, frames: frames));
    }

    static LatentSet Latents(ViTokAutoEncoder tokenizer, int count = 12)
    {
        var source = new SyntheticImageSource(new SyntheticImageOptions { Count = count, Height = 16, Width = 16, Seed = 2 });
        using var inference = new TokenizerInference(tokenizer, CPU, ownsModel: false);
        return GeneratorTrainingRecipe.EncodeLatents(inference, source, batchSize: 5, workers: 1);
    }

    static DiTConfig Config(LatentSet data, DiffusionObjective objective = DiffusionObjective.Ddpm) =>
        DiTConfig.For(data.Tokenizer, "N", data.ClassNames.Count, objective);

    static GeneratorTrainingOptions Options(long steps) => new()
    {
        Steps = steps, BatchSize = 8, LearningRate = 2e-3, WarmupFraction = 0.1, LearningRateFloor = 0.1, CheckpointEvery = 5, LogEvery = 1, Seed = 4,
    };

    [TestMethod]
    public void Latents_are_encoded_once_in_source_order_and_the_cache_round_trips()
    {
        using var tokenizer = TinyTokenizer();
        using var data = Latents(tokenizer);
        CollectionAssert.AreEqual(new long[] { 12, 4, 4 }, data.Latents.shape);
        var source = new SyntheticImageSource(new SyntheticImageOptions { Count = 12, Height = 16, Width = 16, Seed = 2 });
        var expected = Enumerable.Range(0, 12).Select(i => (long)source.Read(i, new Random(0)).Label).ToArray();
        CollectionAssert.AreEqual(expected, data.Labels.data<long>().ToArray());

        string path = Path.Combine(_dir, "latents.safetensors");
        data.Save(path);
        using var loaded = LatentSet.Load(path);
        Assert.IsTrue(loaded.Latents.eq(data.Latents).all().item<bool>());
        Assert.IsTrue(loaded.Labels.eq(data.Labels).all().item<bool>());
        CollectionAssert.AreEqual(data.ClassNames.ToArray(), loaded.ClassNames.ToArray());
        Assert.AreEqual(data.Tokenizer, loaded.Tokenizer);
    }

    [TestMethod]
    public void Unlabelled_or_non_finite_latents_are_refused_with_a_clear_error()
    {
        using var tokenizer = TinyTokenizer();
        using var inference = new TokenizerInference(tokenizer, CPU, ownsModel: false);
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "plain")).FullName;
        using (var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(16, 16))
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, Path.Combine(folder, "a.png"));
        var unlabelled = ClipSourceSpec.Open("folder:" + folder, new ClipSourceDefaults(16, 1));
        var e = Assert.ThrowsExactly<ArgumentException>(() => GeneratorTrainingRecipe.EncodeLatents(inference, unlabelled, workers: 1));
        StringAssert.Contains(e.Message, "no class labels");

        using var nan = full(new long[] { 2, 4, 4 }, float.NaN);
        using var labels = tensor(new long[] { 0, 1 });
        var n = Assert.ThrowsExactly<ArgumentException>(() => new LatentSet(nan, labels, ["a", "b"], tokenizer.Config, "test"));
        StringAssert.Contains(n.Message, "NaN");
        using var ok = zeros(2, 4, 4);
        using var outside = tensor(new long[] { 0, 5 });
        var o = Assert.ThrowsExactly<ArgumentException>(() => new LatentSet(ok, outside, ["a", "b"], tokenizer.Config, "test"));
        StringAssert.Contains(o.Message, "label 5");
    }

    [TestMethod]
    public void Loss_falls_and_the_exported_generator_samples_deterministically()
    {
        using var tokenizer = TinyTokenizer();
        using var data = Latents(tokenizer);
        var losses = new List<double>();
        var result = new GeneratorTrainer(Config(data), Options(60), data, CPU).Run(_dir, progress: new Progress(p => losses.Add(p.Loss)));
        Assert.IsTrue(result.Completed);
        Assert.IsTrue(losses.TakeLast(10).Average() < 0.7 * losses.Take(5).Average(), $"loss {losses.Take(5).Average():F3} -> {losses.TakeLast(10).Average():F3}");
        Assert.AreEqual(60, File.ReadLines(Path.Combine(_dir, "history.jsonl")).Count());

        using var generator = GeneratorFile.Load(result.ExportedModel!);
        CollectionAssert.AreEqual(data.ClassNames.ToArray(), generator.ClassNames.ToArray());
        using var labels = tensor(new long[] { 0, 1, 2, generator.Model.NullClass });
        var options = new SamplingOptions { Sampler = Sampler.Ddim, Steps = 10, GuidanceScale = 2, Seed = 9 };
        using var a = generator.Sample(labels, options);
        using var b = generator.Sample(labels, options);
        Assert.IsTrue(a.eq(b).all().item<bool>());
        // A row depends only on its label and its seed: drawing row 2 alone with its seed gives the same latent.
        using var alone = generator.Sample(labels[2..3], options, [RowNoise.RowSeed(9, 2)]);
        Assert.IsTrue(alone[0].allclose(a[2], rtol: 1e-4, atol: 1e-5));
        using var images = generator.SampleImages(tokenizer, labels, options);
        CollectionAssert.AreEqual(new long[] { 4, 3, 1, 16, 16 }, images.shape);

        // SampleClasses: sample i of every class from seed (9, i), class-major, in one batch.
        using var perClass = generator.SampleClasses(tokenizer, [2, 0], 2, options);
        long[] seeds = [RowNoise.RowSeed(9, 0), RowNoise.RowSeed(9, 1), RowNoise.RowSeed(9, 0), RowNoise.RowSeed(9, 1)];
        using var classLabels = tensor(new long[] { 2, 2, 0, 0 });
        using var expected = generator.SampleImages(tokenizer, classLabels, options, seeds);
        Assert.IsTrue(perClass.eq(expected).all().item<bool>());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => generator.SampleClasses(tokenizer, [generator.ClassNames.Count], 1, options));
    }

    [TestMethod]
    public void Stop_and_resume_equals_an_uninterrupted_run_bitwise()
    {
        using var tokenizer = TinyTokenizer();
        using var data = Latents(tokenizer);
        var config = Config(data, DiffusionObjective.FlowMatching);
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        var full = new GeneratorTrainer(config, Options(12), data, CPU).Run(straight);

        using var cancel = new CancellationTokenSource();
        var stopped = new GeneratorTrainer(config, Options(12), data, CPU).Run(resumed, progress: new Progress(p => { if (p.Step == 7) cancel.Cancel(); }), cancel: cancel.Token);
        Assert.IsFalse(stopped.Completed);
        Assert.AreEqual(7, stopped.Step);
        var rest = new GeneratorTrainer(config, Options(12), data, CPU).Run(resumed, resume: true);
        Assert.IsTrue(rest.Completed);

        var x = SafeTensorsFile.Open(full.ExportedModel!);
        var y = SafeTensorsFile.Open(rest.ExportedModel!);
        foreach (var name in x.Entries.Keys)
        {
            using var p = x.Read(name);
            using var q = y.Read(name);
            Assert.IsTrue(p.eq(q).all().item<bool>(), name);
        }
    }

    [TestMethod]
    public void Resume_refuses_a_checkpoint_of_another_generator()
    {
        using var tokenizer = TinyTokenizer();
        using var data = Latents(tokenizer);
        new GeneratorTrainer(Config(data), Options(5), data, CPU).Run(_dir);
        var other = Config(data, DiffusionObjective.FlowMatching);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new GeneratorTrainer(other, Options(10), data, CPU).Run(_dir, resume: true));
        StringAssert.Contains(e.Message, "checkpoint-00000005");
    }

    [TestMethod]
    public void Resume_refuses_changed_options_or_other_latents_naming_them_unless_forced()
    {
        using var tokenizer = TinyTokenizer();
        using var data = Latents(tokenizer);
        var config = Config(data);
        new GeneratorTrainer(config, Options(5), data, CPU).Run(_dir);

        var changed = Options(10) with { Seed = 8, BatchSize = 4 };
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new GeneratorTrainer(config, changed, data, CPU).Run(_dir, resume: true));
        StringAssert.Contains(e.Message, "checkpoint-00000005");
        StringAssert.Contains(e.Message, "Seed 4 -> 8");
        StringAssert.Contains(e.Message, "BatchSize 8 -> 4");
        StringAssert.Contains(e.Message, "--force-options");
        Assert.IsFalse(e.Message.Contains("Steps"), "more steps may always be asked for");

        using var other = new LatentSet(data.Latents.clone(), data.Labels.clone(), data.ClassNames, data.Tokenizer, "another source (12 items)");
        e = Assert.ThrowsExactly<InvalidDataException>(() => new GeneratorTrainer(config, Options(10), other, CPU).Run(_dir, resume: true));
        StringAssert.Contains(e.Message, $"data '{data.Origin}' -> 'another source (12 items)'");

        var log = new List<string>();
        Assert.IsTrue(new GeneratorTrainer(config, Options(10) with { ResumeWithChangedOptions = true }, other, CPU).Run(_dir, resume: true, log: log.Add).Completed);
        Assert.IsTrue(log.Any(l => l.StartsWith("resuming with changed options: data ")), string.Join("\n", log));
    }

    [TestMethod]
    public void A_diverging_run_stops_naming_the_last_good_checkpoint()
    {
        using var tokenizer = TinyTokenizer();
        using var data = Latents(tokenizer);
        var options = Options(200) with { LearningRate = 1e12, WarmupFraction = 0, LearningRateFloor = 1, CheckpointEvery = 1 };
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => new GeneratorTrainer(Config(data), options, data, CPU).Run(_dir));
        StringAssert.Contains(e.Message, "last good checkpoint is");
        var newest = TrainingCheckpoint.List(_dir).First();
        Assert.IsNotNull(SafeTensorsFile.Open(newest.Path));       // intact
    }

    [TestMethod]
    public void Video_latents_train_and_sample_clips()
    {
        using var tokenizer = TinyTokenizer(frames: 4);
        var source = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 6, Frames = 4, Height = 16, Width = 16, Seed = 1 });
        using var inference = new TokenizerInference(tokenizer, CPU, ownsModel: false);
        using var data = GeneratorTrainingRecipe.EncodeLatents(inference, source, batchSize: 4, workers: 1);
        Assert.AreEqual(tokenizer.Config.Tokens, data.Latents.shape[1]);
        var result = new GeneratorTrainer(Config(data), Options(4), data, CPU).Run(_dir);
        using var generator = GeneratorFile.Load(result.ExportedModel!);
        Assert.AreEqual(2, generator.Config.Grid.T);
        using var labels = tensor(new long[] { 0, 1 });
        using var clips = generator.SampleImages(tokenizer, labels, new SamplingOptions { Sampler = Sampler.Ddpm, Steps = 5, Seed = 1 });
        CollectionAssert.AreEqual(new long[] { 2, 3, 4, 16, 16 }, clips.shape);
        Assert.IsTrue(clips.isfinite().all().item<bool>());
    }

    [TestMethod]
    public void The_generator_file_names_what_is_wrong()
    {
        using var tokenizer = TinyTokenizer();
        string path = Path.Combine(_dir, "tokenizer.safetensors");
        TokenizerFile.Save(tokenizer, path);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => GeneratorFile.Load(path));
        StringAssert.Contains(e.Message, "not a ViTok generator");
        StringAssert.Contains(e.Message, "tokenizer file");
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
