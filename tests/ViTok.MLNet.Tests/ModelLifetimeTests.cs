using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;

namespace ViTok.MLNet.Tests;

/// <summary>
/// The transformers' model lifetime (disposal), where a loaded pipeline runs (the loading context, not the saved
/// file), schema questions answered from file headers, and sampled latents seeded per row.
/// </summary>
[TestClass]
public sealed class ModelLifetimeTests
{
    static TestData _data = null!;
    static string _generatorPath = null!;

    [ClassInitialize]
    public static void Init(TestContext _)
    {
        _data = new TestData(perClass: 2);
        torch.random.manual_seed(5);
        var tokenizer = ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16);
        var config = DiTConfig.For(tokenizer, "N", classes: 2);
        using var generator = new LatentGenerator(new DiT(config), LatentNormalization.Identity(4), ["a", "b"], tokenizer);
        _generatorPath = Path.Combine(_data.Folder, "generator.safetensors");
        GeneratorFile.Save(generator, _generatorPath);
    }

    [ClassCleanup]
    public static void Cleanup() => _data.Dispose();

    static IDataView Pixels(MLContext ml, int rows)
    {
        var rng = new Random(3);
        var items = Enumerable.Range(0, rows).Select(_ => new PixelRow { Pixels = Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)rng.Next(256)).ToArray() }).ToArray();
        return ml.Data.LoadFromEnumerable(items);
    }

    static float[][] Column(IDataView view, string name) =>
        view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    TokenizeImagesOptions Tokenize(int batchSize = 4, LatentKind latent = LatentKind.Mean) => new()
    {
        OutputColumnName = "Latent", InputColumnName = "Pixels", TokenizerPath = _data.TokenizerPath, BatchSize = batchSize, Latent = latent, Seed = 9,
    };

    [TestMethod]
    public void Sampled_latents_depend_on_the_row_not_the_batch_size()
    {
        var ml = new MLContext(seed: 1);
        var data = Pixels(ml, 5);
        var one = Column(ml.Transforms.TokenizeImages(Tokenize(1, LatentKind.Sample)).Fit(data).Transform(data), "Latent");
        var three = Column(ml.Transforms.TokenizeImages(Tokenize(3, LatentKind.Sample)).Fit(data).Transform(data), "Latent");
        var means = Column(ml.Transforms.TokenizeImages(Tokenize(3)).Fit(data).Transform(data), "Latent");
        for (int i = 0; i < one.Length; i++)
        {
            for (int k = 0; k < one[i].Length; k++) Assert.AreEqual(one[i][k], three[i][k], 1e-5f, $"row {i}, value {k}");
            Assert.IsTrue(one[i].Zip(means[i]).Any(p => Math.Abs(p.First - p.Second) > 1e-3f), $"row {i}: the sample equals the mean");
        }
        CollectionAssert.AreNotEqual(one[0].Zip(means[0], (s, m) => s - m).ToArray(), one[1].Zip(means[1], (s, m) => s - m).ToArray(), "rows 0 and 1 drew the same noise");
    }

    [TestMethod]
    public void Disposed_transformers_free_their_weights_and_give_the_same_rows_when_used_again()
    {
        var ml = new MLContext(seed: 1);
        var pixels = Pixels(ml, 3);
        var tokenize = ml.Transforms.TokenizeImages(Tokenize()).Fit(pixels);
        var latents = ml.Data.LoadFromEnumerable(Column(tokenize.Transform(pixels), "Latent").Select(l => new LatentRow { Latent = l }));
        var decode = ml.Transforms.DecodeLatents(new DecodeLatentsOptions { OutputColumnName = "Image", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath, Output = DecodedOutput.PixelVector })
            .Fit(latents);
        var requests = ml.Data.LoadFromEnumerable(new[] { new LabelRow { Label = "a" } });
        var generate = ml.Transforms.GenerateLatents("Generated", _generatorPath, steps: 2).Fit(requests);
        var rows = ml.Data.LoadFromEnumerable(_data.Rows.Take(2));
        var files = ml.Transforms.LoadRawImageBytes("Bytes", _data.Folder, nameof(ImageRow.Path)).Fit(rows).Transform(rows);
        var v2 = ml.Transforms.TokenizeImages(new TokenizeImagesOptions
        {
            OutputColumnName = "Latent", InputColumnName = "Bytes", TokenizerPath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "vitok-v2", "tiny"), BatchSize = 2,
        }).Fit(files);

        foreach (var (transformer, input) in new (ViTokTransformer, IDataView)[] { (tokenize, pixels), (decode, latents), (generate, requests), (v2, files) })
        {
            string name = transformer.GetType().Name;
            var view = transformer.Transform(input);                                 // a view made before disposal
            string output = view.Schema[input.Schema.Count].Name;
            var before = Column(view, output);
            transformer.Dispose();
            transformer.Dispose();                                                   // twice: harmless
            Assert.IsFalse(transformer.WeightsLoaded, $"{name}: the weights are freed");
            CollectionAssert.AreEqual(before[0], Column(view, output)[0], $"{name}: the view made before");
            CollectionAssert.AreEqual(before[^1], Column(transformer.Transform(input), output)[^1], $"{name}: a new view");
            Assert.IsTrue(transformer.WeightsLoaded, $"{name}: loaded again");
            ml.Model.Save(transformer, input.Schema, new MemoryStream());
            transformer.Dispose();
        }
    }

    [TestMethod]
    public void Disposing_one_prediction_engine_breaks_neither_another_engine_nor_the_model()
    {
        var ml = new MLContext(seed: 1);
        var pixels = Pixels(ml, 3);
        var model = ml.Transforms.CopyColumns("Copy", "Pixels").Append(ml.Transforms.TokenizeImages(Tokenize())).Fit(pixels);
        var expected = Column(model.Transform(pixels), "Latent");
        var row = ml.Data.CreateEnumerable<PixelRow>(pixels, reuseRowObject: false).First();
        var second = ml.Model.CreatePredictionEngine<PixelRow, LatentRow>(model);
        using (var first = ml.Model.CreatePredictionEngine<PixelRow, LatentRow>(model))   // ML.NET's default: the engine owns the model
            CollectionAssert.AreEqual(expected[0], first.Predict(row).Latent);
        CollectionAssert.AreEqual(expected[0], second.Predict(row).Latent, "the other engine");
        CollectionAssert.AreEqual(expected[2], Column(model.Transform(pixels), "Latent")[2], "Transform");
        second.Dispose();
        ((IDisposable)model).Dispose();
    }

    [TestMethod]
    public void An_engine_predicting_on_one_thread_while_another_disposes_the_model_never_runs_on_freed_weights()
    {
        var ml = new MLContext(seed: 1);
        var pixels = Pixels(ml, 1);
        using var model = ml.Transforms.TokenizeImages(Tokenize()).Fit(pixels);
        var row = ml.Data.CreateEnumerable<PixelRow>(pixels, reuseRowObject: false).First();
        var expected = Column(model.Transform(pixels), "Latent")[0];
        using var engine = ml.Model.CreatePredictionEngine<PixelRow, LatentRow>(model);
        using var stop = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        var disposer = Task.Run(() =>
        {
            int n = 0;
            while (!stop.IsCancellationRequested) { model.Dispose(); n++; started.Set(); }
            return n;
        });
        // The predictions start once the disposer runs (before, on a busy machine, all 200 could end before it began).
        Assert.IsTrue(started.Wait(TimeSpan.FromMinutes(1)), "the disposing thread started");
        for (int i = 0; i < 200; i++) CollectionAssert.AreEqual(expected, engine.Predict(row).Latent, $"prediction {i}");
        stop.Cancel();
        Assert.IsGreaterThan(0, disposer.Result);
    }

    [TestMethod]
    public void SharedWeights_frees_after_the_last_running_pass_and_loads_again()
    {
        int loads = 0, frees = 0;
        var weights = new SharedWeights<Probe>(() => { loads++; return new Probe(() => frees++); }, new Probe(() => frees++));
        var pass = weights.Begin();
        weights.Release();
        Assert.AreEqual(0, frees, "not under a running pass");
        Assert.IsFalse(pass.Model.Freed);
        pass.Dispose();
        Assert.AreEqual(1, frees, "freed when the pass ended");
        Assert.IsFalse(weights.IsLoaded);
        using (var again = weights.Begin()) Assert.IsFalse(again.Model.Freed);
        Assert.AreEqual(1, loads);
        weights.Release();
        weights.Release();
        Assert.AreEqual(2, frees);
    }

    sealed class Probe(Action onFree) : IDisposable
    {
        public bool Freed { get; private set; }

        public void Dispose()
        {
            Freed = true;
            onFree();
        }
    }

    [TestMethod]
    public void A_pipeline_saved_with_a_cuda_device_loads_on_the_loading_contexts_device()
    {
        var ml = new MLContext(seed: 1);
        var pixels = Pixels(ml, 3);
        var options = Tokenize();
        options.Device = "cpu";
        using var model = ml.Transforms.TokenizeImages(options).Fit(pixels);
        var expected = Column(model.Transform(pixels), "Latent");
        string path = Path.Combine(_data.Folder, "cuda-pipeline.zip");
        ml.Model.Save(model, pixels.Schema, path);
        // What a pipeline saved on a GPU machine held: its manifest named the device.
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => e.Name == "ViTok.json");
            JsonObject manifest;
            using (var r = new StreamReader(entry.Open())) manifest = JsonNode.Parse(r.ReadToEnd())!.AsObject();
            manifest["Options"]!["Device"] = "cuda:0";   // older formats had it at the top level; neither is read
            entry.Delete();
            using var w = new StreamWriter(zip.CreateEntry(entry.FullName).Open());
            w.Write(manifest.ToJsonString());
        }

        var loaded = ml.LoadWithViTok(path, out _);                                  // this machine has no CUDA: the context's CPU
        CollectionAssert.AreEqual(expected[2], Column(loaded.Transform(pixels), "Latent")[2]);
        ((IDisposable)loaded).Dispose();

        // The device comes from the loading context or the explicit option, never from the file.
        var gpu = new MLContext(seed: 1) { GpuDeviceId = 0, FallbackToCpu = true };
        CollectionAssert.AreEqual(expected[0], Column(gpu.LoadWithViTok(path, out _).Transform(pixels), "Latent")[0]);
        var strict = new MLContext(seed: 1) { GpuDeviceId = 0 };
        if (!torch.cuda.is_available())
        {
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => strict.LoadWithViTok(path, out _)).Message, "cuda:0");
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ml.LoadWithViTok(path, out _, device: "cuda:1")).Message, "cuda:1");
        }
    }

    [TestMethod]
    public void Estimator_schema_questions_read_only_the_file_header()
    {
        // A tokenizer whose weights hold a NaN: the header is sound, the weights are refused when loaded.
        string damaged = Path.Combine(_data.Folder, "nan.safetensors");
        using (var model = new ViTokAutoEncoder(_data.Config))
        {
            using (torch.no_grad()) model.parameters().First().view(-1)[0].fill_(float.NaN);
            TokenizerFile.Save(model, damaged);
        }
        var ml = new MLContext(seed: 1);
        var pixels = Pixels(ml, 2);
        var options = Tokenize();
        options.TokenizerPath = damaged;
        var estimator = ml.Transforms.TokenizeImages(options);
        var shape = estimator.GetOutputSchema(ShapeOf(pixels.Schema));   // no weights read
        Assert.IsTrue(shape.Any(c => c.Name == "Latent"));
        StringAssert.Contains(Assert.Throws<Exception>(() => estimator.Fit(pixels)).Message, "NaN");
        // The estimator's check is the transformer's: a wrong column fails the same way at both.
        var wrong = ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Latent", InputColumnName = "Pixels", TokenizerPath = _data.TokenizerPath });
        var bytes = ml.Data.LoadFromEnumerable(new[] { new LabelRow { Label = "a" } });
        var withText = ShapeOf(ml.Transforms.CopyColumns("Pixels", "Label").Fit(bytes).Transform(bytes).Schema);
        var atEstimator = Assert.ThrowsExactly<ArgumentException>(() => wrong.GetOutputSchema(withText)).Message;
        var atFit = Assert.Throws<Exception>(() => wrong.Fit(ml.Transforms.CopyColumns("Pixels", "Label").Fit(bytes).Transform(bytes))).Message;
        Assert.AreEqual(atEstimator, atFit);
    }

    static SchemaShape ShapeOf(DataViewSchema schema) => Contract.RowValues.ShapeOf(schema);

    public sealed class PixelRow
    {
        [VectorType(3 * 32 * 32)]
        public float[] Pixels { get; set; } = [];
    }

    public sealed class LatentRow
    {
        [VectorType(16 * 4)]
        public float[] Latent { get; set; } = [];
    }

    public sealed class LabelRow
    {
        public string Label { get; set; } = "";
    }
}
