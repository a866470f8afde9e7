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
    public void Disposed_transformers_refuse_every_use_naming_themselves()
    {
        var ml = new MLContext(seed: 1);
        var pixels = Pixels(ml, 3);
        var tokenize = ml.Transforms.TokenizeImages(Tokenize()).Fit(pixels);
        var latents = ml.Data.LoadFromEnumerable(Column(tokenize.Transform(pixels), "Latent").Select(l => new LatentRow { Latent = l }));
        var decode = ml.Transforms.DecodeLatents(new DecodeLatentsOptions { OutputColumnName = "Image", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath })
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
            transformer.Dispose();
            transformer.Dispose();                                                   // twice: harmless
            StringAssert.Contains(Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.Transform(input)).Message, name);
            StringAssert.Contains(Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.GetOutputSchema(input.Schema)).Message, name);
            StringAssert.Contains(Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.GetRowToRowMapper(input.Schema)).Message, name);
            StringAssert.Contains(Assert.Throws<Exception>(() => ml.Model.Save(transformer, input.Schema, new MemoryStream())).ToString(), name);
            using var cursor = view.GetRowCursor([view.Schema[output]]);
            StringAssert.Contains(Assert.ThrowsExactly<ObjectDisposedException>(() => cursor.MoveNext()).Message, name);
        }
    }

    [TestMethod]
    public void Disposing_a_fitted_pipeline_disposes_its_ViTok_transformers()
    {
        var ml = new MLContext(seed: 1);
        var pixels = Pixels(ml, 2);
        var model = ml.Transforms.CopyColumns("Copy", "Pixels").Append(ml.Transforms.TokenizeImages(Tokenize())).Fit(pixels);
        var tokenize = model.LastTransformer;
        ((IDisposable)model).Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => tokenize.Transform(pixels));
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
            manifest["Device"] = "cuda:0";
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
