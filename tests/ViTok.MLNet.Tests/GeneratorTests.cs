using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.MLNet.Tests;

/// <summary>A training row: a latent [4 tokens, 4 channels] and its class.</summary>
public sealed class TrainingLatentRow
{
    [VectorType(4, 4)]
    public float[] Latent { get; set; } = [];
    public string Label { get; set; } = "";
}

/// <summary>A generation request: a class (as text, index or key) and a seed.</summary>
public sealed class RequestRow
{
    public string Label { get; set; } = "";
    public int Index { get; set; }
    [KeyType(3)]   // ML.NET reads 0-based values from a class: 0..2 become keys 1..3
    public uint Key { get; set; }
    public long Seed { get; set; }
    public float Wrong { get; set; }
}

public sealed class GeneratedRow
{
    public float[] Generated { get; set; } = [];
}

/// <summary>
/// TrainGenerator and GenerateLatents on a tiny DiT-N over the latents of a tiny tokenizer (N-N/8 at 16 px, c = 4:
/// 4 tokens of 4 channels). One generator is trained once for the class; tests that need their own train a few steps.
/// </summary>
[TestClass]
public sealed class GeneratorTests
{
    static string _folder = null!, _tokenizerPath = null!, _generatorPath = null!, _runFolder = null!;
    static List<TrainingLatentRow> _rows = null!;
    static GenerateLatentsTransformer _trained = null!;
    static readonly List<string> Messages = [];
    static readonly string[] Classes = ["red", "green", "blue"];   // order of first occurrence: the key order

    [ClassInitialize]
    public static void Init(TestContext _)
    {
        TorchRuntime.EnsureLoaded();
        _folder = Directory.CreateTempSubdirectory("vitok-mlnet-gen-").FullName;
        _tokenizerPath = Path.Combine(_folder, "tiny16.safetensors");
        torch.random.manual_seed(3);
        using (var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(model, _tokenizerPath);
        var rng = new Random(7);
        _rows = [];
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < Classes.Length; k++)
                _rows.Add(new TrainingLatentRow
                {
                    Label = Classes[k],
                    Latent = Enumerable.Range(0, 16).Select(j => (j % 4 == k ? 2f : 0f) + (float)(rng.NextDouble() - 0.5)).ToArray(),
                });

        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { if (e.Source == "TrainGenerator") lock (Messages) Messages.Add(e.Message); };
        _runFolder = Path.Combine(_folder, "run");
        var data = ml.Data.LoadFromEnumerable(_rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.TrainGenerator(Options(_runFolder, steps: 8)));
        var model2 = pipeline.Fit(data);
        _trained = (GenerateLatentsTransformer)((IEnumerable<ITransformer>)model2).Last();
        _generatorPath = Path.Combine(_folder, "generator.safetensors");
        File.Copy(Path.Combine(_runFolder, "generator.safetensors"), _generatorPath);
    }

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(_folder, recursive: true);

    static TrainGeneratorOptions Options(string run, long steps) => new()
    {
        OutputColumnName = "Generated", TokenizerPath = _tokenizerPath, Size = "N", RunFolder = run, SamplingSteps = 4, BatchSize = 5,
        Training = new GeneratorTrainingOptions { Steps = steps, BatchSize = 6, LearningRate = 2e-3, LogEvery = 4, CheckpointEvery = 8 },
    };

    static GenerateLatentsOptions Generate(string label = "Label", string? seed = "Seed", int batchSize = 4, double guidance = 1.0, long runSeed = 0) => new()
    {
        OutputColumnName = "Generated", GeneratorPath = _generatorPath, LabelColumnName = label, SeedColumnName = seed,
        Steps = 4, BatchSize = batchSize, GuidanceScale = guidance, Seed = runSeed,
    };

    /// <summary>Requests for every class, seeds 10, 11, ...: text, index and unnamed key all name the same class.</summary>
    static List<RequestRow> Requests(int count) => Enumerable.Range(0, count).Select(i => new RequestRow
    {
        Label = Classes[i % 3].ToUpperInvariant(), Index = i % 3, Key = (uint)(i % 3), Seed = 10 + i,
    }).ToList();

    static float[][] Column(IDataView view, string name) =>
        view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    static float[][] Run(MLContext ml, IDataView data, GenerateLatentsOptions options) =>
        Column(ml.Transforms.GenerateLatents(options).Fit(data).Transform(data), "Generated");

    [TestMethod]
    public void TrainGenerator_trains_logs_progress_and_returns_a_transformer_of_the_declared_shape()
    {
        lock (Messages)
        {
            Assert.IsTrue(Messages.Any(m => m.Contains("on 12 latents [4 x 4]") && m.Contains("3 classes")), string.Join("\n", Messages));
            Assert.IsTrue(Messages.Any(m => m.Contains("step 4/8 loss")), string.Join("\n", Messages));
            Assert.IsTrue(Messages.Any(m => m.Contains("step 8/8 loss")), string.Join("\n", Messages));
        }
        var history = File.ReadAllLines(Path.Combine(_runFolder, "history.jsonl"));
        Assert.AreEqual(2, history.Length);
        StringAssert.Contains(history[1], "\"step\":8");
        Assert.IsTrue(File.Exists(Path.Combine(_runFolder, "latents.safetensors")));
        using (var cached = LatentSet.Load(Path.Combine(_runFolder, "latents.safetensors")))
        {
            Assert.AreEqual(12, cached.Count);
            CollectionAssert.AreEqual(_rows[4].Latent, cached.Latents[4].reshape(-1).data<float>().ToArray());
        }
        CollectionAssert.AreEqual(Classes, _trained.ClassNames.ToArray(), "key order (KeyValues names)");
        Assert.AreEqual("N", _trained.GeneratorConfig.Size.Name);
        Assert.AreEqual(Sampler.Ddim, _trained.Sampling.Sampler);
        Assert.AreEqual(4, _trained.Sampling.Steps);

        var ml = new MLContext(seed: 1);
        var requests = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(_rows)).Transform(ml.Data.LoadFromEnumerable(_rows));
        var output = _trained.Transform(requests);
        CollectionAssert.AreEqual(new[] { 4, 4 }, ((VectorDataViewType)output.Schema["Generated"].Type).Dimensions.ToArray());
        var latents = Column(output, "Generated");
        Assert.AreEqual(12, latents.Length);
        Assert.IsTrue(latents.All(l => l.Length == 16 && l.All(float.IsFinite)));
        Assert.IsFalse(latents[0].SequenceEqual(latents[3]), "rows have their own seeds");
    }

    [TestMethod]
    public void Text_labels_train_with_the_classes_in_sorted_order()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(_rows);
        var transformer = ml.Transforms.TrainGenerator(Options(Path.Combine(_folder, "text-run"), steps: 2)).Fit(data);
        CollectionAssert.AreEqual(new[] { "blue", "green", "red" }, transformer.ClassNames.ToArray());
        Assert.AreEqual(12, Column(transformer.Transform(data), "Generated").Length);
    }

    [TestMethod]
    public void Generated_latents_decode_to_images()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Requests(4));
        var output = ml.Transforms.GenerateLatents("Generated", _generatorPath, seedColumnName: "Seed", steps: 4)
            .Append(ml.Transforms.DecodeLatents("Image", _tokenizerPath, "Generated"))
            .Fit(data).Transform(data);
        Assert.AreEqual(new ImageDataViewType(16, 16), output.Schema["Image"].Type);
        int count = 0;
        foreach (var image in output.GetColumn<MLImage>("Image"))   // each image is disposed when the cursor moves on
        {
            Assert.AreEqual(16, image.Width);
            Assert.AreEqual(16, image.Height);
            count++;
        }
        Assert.AreEqual(4, count);
    }

    /// <summary>Batched matrix products round differently for different batch shapes (observed: up to ~3e-6 of the values' scale on this CPU).</summary>
    static void AssertClose(float[] expected, float[] actual, string message)
    {
        float scale = Math.Max(1f, expected.Max(MathF.Abs));
        float diff = MaxDifference(expected, actual);
        Assert.IsTrue(diff <= 2e-5f * scale, $"{message}: max difference {diff} at scale {scale}");
    }

    static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    [TestMethod]
    public void Same_label_and_seed_give_the_same_latent_whatever_the_batch_size_or_position()
    {
        var ml = new MLContext(seed: 1);
        var rows = Requests(7);
        int n = rows.Count;
        var one = Run(ml, ml.Data.LoadFromEnumerable(rows), Generate(batchSize: 1));
        var oneReversed = Run(ml, ml.Data.LoadFromEnumerable(Enumerable.Reverse(rows)), Generate(batchSize: 1));
        var three = Run(ml, ml.Data.LoadFromEnumerable(rows), Generate(batchSize: 3));
        var threeAgain = Run(ml, ml.Data.LoadFromEnumerable(rows), Generate(batchSize: 3));
        var reversed = Run(ml, ml.Data.LoadFromEnumerable(Enumerable.Reverse(rows)), Generate(batchSize: 32));
        for (int i = 0; i < n; i++)
        {
            CollectionAssert.AreEqual(one[i], oneReversed[n - 1 - i], $"row {i} moved to position {n - 1 - i}, one row per call: bitwise");
            CollectionAssert.AreEqual(three[i], threeAgain[i], $"row {i}, same batches: bitwise");
            AssertClose(one[i], three[i], $"row {i}, batch 1 vs 3");
            AssertClose(one[i], reversed[n - 1 - i], $"row {i}, batch 1 vs all 7 reversed");
        }
        float scale = one[0].Max(MathF.Abs);
        Assert.IsTrue(MaxDifference(one[0], one[3]) > 0.01f * scale, "same class, other seed: another latent");

        // Without a seed column, row i is seeded with RowNoise.RowSeed(seed, i).
        var unseeded = Run(ml, ml.Data.LoadFromEnumerable(rows), Generate(seed: null, batchSize: 3, runSeed: 5));
        var explicitSeeds = rows.Select((r, i) => new RequestRow { Label = r.Label, Seed = RowNoise.RowSeed(5, i) }).ToList();
        var seeded = Run(ml, ml.Data.LoadFromEnumerable(explicitSeeds), Generate(batchSize: 3));
        for (int i = 0; i < n; i++) CollectionAssert.AreEqual(seeded[i], unseeded[i], $"row {i}");
    }

    [TestMethod]
    public void Text_index_and_key_labels_name_the_same_classes()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Requests(6));
        var byText = Run(ml, data, Generate(label: nameof(RequestRow.Label)));   // upper case: matched case-insensitively
        var byIndex = Run(ml, data, Generate(label: nameof(RequestRow.Index)));
        var byKey = Run(ml, data, Generate(label: nameof(RequestRow.Key)));      // no KeyValues: key k is class k - 1
        var named = ml.Transforms.Conversion.MapValueToKey("Named", nameof(RequestRow.Label)).Fit(data).Transform(data);
        var byNamedKey = Run(ml, named, Generate(label: "Named"));            // keys named in occurrence order RED, GREEN, BLUE
        for (int i = 0; i < byText.Length; i++)
        {
            CollectionAssert.AreEqual(byText[i], byIndex[i], $"row {i}");
            CollectionAssert.AreEqual(byText[i], byKey[i], $"row {i}");
            CollectionAssert.AreEqual(byText[i], byNamedKey[i], $"row {i}");
        }
        var blue = Run(ml, ml.Data.LoadFromEnumerable(Requests(6).Select(r => { r.Label = "blue"; return r; })), Generate());
        // The generator is trained for 8 steps from adaLN-zero, so the class moves the latent by little yet: ask for a
        // difference far above float rounding (about 1e-7 of the values), not for a large one.
        float difference = MaxDifference(byText[0], blue[0]), scale = byText[0].Max(MathF.Abs);
        Assert.IsTrue(difference > 1e-4f * scale, $"another class, same seed: another latent (max difference {difference}, max value {scale})");
    }

    [TestMethod]
    public void Guidance_scale_is_passed_through()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Requests(3));
        var guided = ml.Transforms.GenerateLatents(Generate(guidance: 4)).Fit(data);
        Assert.AreEqual(4.0, guided.Sampling.GuidanceScale);
        var plain = Run(ml, data, Generate(guidance: 1));
        var four = Column(guided.Transform(data), "Generated");
        for (int i = 0; i < plain.Length; i++) Assert.IsFalse(plain[i].SequenceEqual(four[i]), $"row {i}");
    }

    [TestMethod]
    public void Save_and_load_give_bitwise_identical_latents_and_plain_load_fails()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Requests(5));
        var options = Generate(batchSize: 2, guidance: 2);
        options.GuidanceFrom = 0.2;
        options.GuidanceTo = 0.8;
        var model = ml.Transforms.GenerateLatents(options).Fit(data);
        var before = Column(model.Transform(data), "Generated");
        string path = Path.Combine(_folder, "generate.zip");
        ml.Model.Save(model, data.Schema, path);

        var ml2 = new MLContext(seed: 2);
        var loaded = (GenerateLatentsTransformer)ml2.LoadWithViTok(path, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull(nameof(RequestRow.Seed)));
        Assert.AreEqual("Seed", loaded.SeedColumnName);
        Assert.AreEqual(2.0, loaded.Sampling.GuidanceScale);
        Assert.AreEqual((0.2, 0.8), (loaded.Sampling.GuidanceFrom, loaded.Sampling.GuidanceTo));
        var after = Column(loaded.Transform(ml2.Data.LoadFromEnumerable(Requests(5))), "Generated");
        for (int i = 0; i < before.Length; i++) CollectionAssert.AreEqual(before[i], after[i], $"row {i}");

        var e = Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
        StringAssert.Contains(e.ToString(), "LoadWithViTok");
    }

    [TestMethod]
    public void Prediction_engine_matches_batch_transform()
    {
        var ml = new MLContext(seed: 1);
        var rows = Requests(4);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.GenerateLatents(Generate(batchSize: 1)).Fit(data);   // one row per call, as the engine
        var batch = Column(model.Transform(data), "Generated");
        using var engine = ml.Model.CreatePredictionEngine<RequestRow, GeneratedRow>(model);
        for (int i = 0; i < rows.Count; i++) CollectionAssert.AreEqual(batch[i], engine.Predict(rows[i]).Generated, $"row {i}");
    }

    [TestMethod]
    public void Schema_errors_name_the_column_and_the_expectation()
    {
        var ml = new MLContext(seed: 1);
        var requests = ml.Data.LoadFromEnumerable(Requests(3));
        var e = Assert.Throws<Exception>(() => ml.Transforms.GenerateLatents(Generate(label: "Class")).Fit(requests));
        StringAssert.Contains(e.Message, "Label column 'Class' was not found");
        e = Assert.Throws<Exception>(() => ml.Transforms.GenerateLatents(Generate(label: nameof(RequestRow.Wrong))).Fit(requests));
        StringAssert.Contains(e.Message, "Column 'Wrong'");
        StringAssert.Contains(e.Message, "a key (U4), text (a class name) or an int/long class index");
        e = Assert.Throws<Exception>(() => ml.Transforms.GenerateLatents(Generate(seed: nameof(RequestRow.Label))).Fit(requests));
        StringAssert.Contains(e.Message, "Column 'Label'");
        StringAssert.Contains(e.Message, "seed column must be a long (Int64) or an int (Int32)");
        e = Assert.Throws<Exception>(() => ml.Transforms.GenerateLatents(Generate(seed: "NoSeeds")).Fit(requests));
        StringAssert.Contains(e.Message, "'NoSeeds' was not found");
        var wrongSampler = Generate();
        wrongSampler.Sampler = Sampler.Heun;
        e = Assert.Throws<Exception>(() => ml.Transforms.GenerateLatents(wrongSampler).Fit(requests));
        StringAssert.Contains(e.Message, "does not fit a generator trained with Ddpm");

        var latents = ml.Data.LoadFromEnumerable(_rows);
        var options = Options(Path.Combine(_folder, "never"), steps: 1);
        options.LabelColumnName = "Class";
        e = Assert.Throws<Exception>(() => ml.Transforms.TrainGenerator(options).Fit(latents));
        StringAssert.Contains(e.Message, "Label column 'Class' was not found");
        options = Options(Path.Combine(_folder, "never"), steps: 1);
        options.LatentColumnName = "Label";
        e = Assert.Throws<Exception>(() => ml.Transforms.TrainGenerator(options).Fit(latents));
        StringAssert.Contains(e.Message, "Column 'Label'");
        StringAssert.Contains(e.Message, "float vectors of 16 latents");
        var short12 = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 3).Select(i => new ShortRow { Label = "a" }));
        e = Assert.Throws<Exception>(() => ml.Transforms.TrainGenerator(Options(Path.Combine(_folder, "never"), steps: 1)).Fit(short12));
        StringAssert.Contains(e.Message, "Column 'Latent'");
        StringAssert.Contains(e.Message, "4 tokens x 4 channels = 16 values");
        options = Options(Path.Combine(_folder, "never"), steps: 1);
        options.LabelColumnName = "Latent";
        e = Assert.Throws<Exception>(() => ml.Transforms.TrainGenerator(options).Fit(latents));
        StringAssert.Contains(e.Message, "Column 'Latent'");
        StringAssert.Contains(e.Message, "key (U4) or text label column");
        Assert.IsFalse(Directory.Exists(Path.Combine(_folder, "never")), "no run folder before the checks pass");
    }

    [TestMethod]
    public void Unknown_class_name_stops_the_cursor_naming_it_and_the_known_classes()
    {
        var ml = new MLContext(seed: 1);
        var rows = Requests(3);
        rows[2].Label = "purple";
        rows[2].Index = 7;
        var data = ml.Data.LoadFromEnumerable(rows);
        var e = Assert.Throws<Exception>(() => Run(ml, data, Generate()));
        StringAssert.Contains(e.Message, "Column 'Label', row 2: class 'purple' is not known");
        StringAssert.Contains(e.Message, "0 red, 1 green, 2 blue");
        e = Assert.Throws<Exception>(() => Run(ml, data, Generate(label: nameof(RequestRow.Index))));
        StringAssert.Contains(e.Message, "class index 7 is outside 0..2");
        var named = ml.Transforms.Conversion.MapValueToKey("Named", nameof(RequestRow.Label)).Fit(data).Transform(data);
        e = Assert.Throws<Exception>(() => ml.Transforms.GenerateLatents(Generate(label: "Named")).Fit(named));
        StringAssert.Contains(e.Message, "value 'purple' is not one of the generator's classes (0 red, 1 green, 2 blue)");
    }

    public sealed class ShortRow
    {
        [VectorType(12)]
        public float[] Latent { get; set; } = new float[12];
        public string Label { get; set; } = "";
    }
}
