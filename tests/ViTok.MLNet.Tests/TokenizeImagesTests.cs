using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.MLNet.Tests;

[TestClass]
public sealed class TokenizeImagesTests
{
    static TestData _data = null!;

    [ClassInitialize]
    public static void Init(TestContext _) => _data = new TestData();

    [ClassCleanup]
    public static void Cleanup() => _data.Dispose();

    static (MLContext Ml, IDataView Images) Images()
    {
        var ml = new MLContext(seed: 1);
        return (ml, ml.Data.LoadFromEnumerable(_data.Rows));
    }

    static IEstimator<ITransformer> Featurizer(MLContext ml, int batchSize = 5, LatentLayout layout = LatentLayout.Tokens) =>
        ml.Transforms.LoadImages("Image", _data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = _data.TokenizerPath, BatchSize = batchSize, Layout = layout,
            }));

    static float[][] Column(IDataView view, string name) =>
        view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    [TestMethod]
    public void Latents_have_declared_dimensions()
    {
        var (ml, images) = Images();
        var output = Featurizer(ml).Fit(images).Transform(images);
        var type = (VectorDataViewType)output.Schema["Latent"].Type;
        CollectionAssert.AreEqual(new[] { 16, 4 }, type.Dimensions.ToArray());
        Assert.AreEqual(_data.Rows.Count, Column(output, "Latent").Length);

        var grid = (VectorDataViewType)Featurizer(ml, layout: LatentLayout.Grid).Fit(images).Transform(images).Schema["Latent"].Type;
        CollectionAssert.AreEqual(new[] { 1, 4, 4, 4 }, grid.Dimensions.ToArray());
    }

    [TestMethod]
    public void Classifier_on_latents_works()
    {
        var (ml, images) = Images();
        var pipeline = Featurizer(ml)
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ImageRow.Label)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Latent", maximumNumberOfIterations: 50));
        var model = pipeline.Fit(images);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(images), "LabelKey");
        Assert.IsTrue(metrics.MicroAccuracy >= 0.9, $"micro accuracy {metrics.MicroAccuracy:F3}");
    }

    [TestMethod]
    public void Results_do_not_depend_on_batch_size()
    {
        var (ml, images) = Images();
        var a = Column(Featurizer(ml, batchSize: 1).Fit(images).Transform(images), "Latent");
        var b = Column(Featurizer(ml, batchSize: 7).Fit(images).Transform(images), "Latent");
        for (int i = 0; i < a.Length; i++) CollectionAssert.AreEqual(a[i], b[i], $"row {i}");
    }

    [TestMethod]
    public void Decode_of_tokenize_matches_the_models_own_reconstruction()
    {
        var (ml, images) = Images();
        var pipeline = ml.Transforms.LoadImages("Image", _data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.TokenizeImages("Latent", _data.TokenizerPath, "Pixels"))
            .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            {
                OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath, Output = DecodedOutput.PixelVector,
            }));
        var output = pipeline.Fit(images).Transform(images);
        var pixels = Column(output, "Pixels");
        var decoded = Column(output, "Decoded");

        using var model = TokenizerFile.Load(_data.TokenizerPath);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = tensor(pixels.SelectMany(p => p).ToArray(), [pixels.Length, 3, 32, 32]) / 127.5f - 1f;
        using var posterior = model.Encode(x);
        var expected = (model.Decode(posterior.Mean).squeeze(2) + 1f) * 127.5f;
        var actual = tensor(decoded.SelectMany(p => p).ToArray(), [pixels.Length, 3, 32, 32]);
        Assert.IsTrue(allclose(expected, actual, rtol: 1e-4, atol: 1e-3), $"max difference {(expected - actual).abs().max().item<float>()}");
    }

    [TestMethod]
    public void Decoding_to_images_gives_images_of_the_tokenizer_size()
    {
        var (ml, images) = Images();
        var output = Featurizer(ml).Append(ml.Transforms.DecodeLatents("Decoded", _data.TokenizerPath, "Latent")).Fit(images).Transform(images);
        Assert.AreEqual(new ImageDataViewType(32, 32), output.Schema["Decoded"].Type);
        foreach (var image in output.GetColumn<MLImage>("Decoded").Take(3))
        {
            Assert.AreEqual(32, image.Width);
            Assert.AreEqual(32, image.Height);
        }
    }

    [TestMethod]
    public void Save_and_load_give_bitwise_identical_latents()
    {
        var (ml, images) = Images();
        var model = Featurizer(ml).Fit(images);
        var before = Column(model.Transform(images), "Latent");
        string path = Path.Combine(_data.Folder, "pipeline.zip");
        ml.Model.Save(model, images.Schema, path);

        var ml2 = new MLContext(seed: 2);
        var loaded = ml2.LoadWithViTok(path, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull(nameof(ImageRow.Path)));
        var after = Column(loaded.Transform(ml2.Data.LoadFromEnumerable(_data.Rows)), "Latent");
        Assert.AreEqual(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++) CollectionAssert.AreEqual(before[i], after[i], $"row {i}");
    }

    [TestMethod]
    public void Plain_model_load_fails_naming_the_call_to_use()
    {
        var (ml, images) = Images();
        string path = Path.Combine(_data.Folder, "plain.zip");
        ml.Model.Save(Featurizer(ml).Fit(images), images.Schema, path);
        var e = Assert.Throws<Exception>(() => new MLContext().Model.Load(path, out _));
        // ML.NET builds components by reflection and wraps what they throw; the cause is ours and says what to do.
        var cause = e.GetBaseException();
        Assert.IsInstanceOfType<InvalidOperationException>(cause);
        StringAssert.Contains(cause.Message, "mlContext.LoadWithViTok(path, out var inputSchema) (using ViTok.MLNet;)");
    }

    [TestMethod]
    public void Load_errors_name_the_model_file_and_are_not_wrapped()
    {
        var (ml, images) = Images();
        string good = Path.Combine(_data.Folder, "good.zip");
        ml.Model.Save(Featurizer(ml).Fit(images), images.Schema, good);

        string missing = Path.Combine(_data.Folder, "missing.zip");
        StringAssert.Contains(Assert.Throws<FileNotFoundException>(() => ml.LoadWithViTok(missing, out _)).Message, missing);

        string notZip = Path.Combine(_data.Folder, "not-a-model.zip");
        File.WriteAllText(notZip, "hello");
        var e = Assert.Throws<InvalidDataException>(() => ml.LoadWithViTok(notZip, out _));
        StringAssert.Contains(e.Message, $"Model file '{notZip}' could not be loaded by ML.NET");
        Assert.IsNotInstanceOfType<System.Reflection.TargetInvocationException>(e.InnerException);

        // Damaged weights inside the zip: the error names the zip and the component's folder, not a temporary file.
        string damaged = Path.Combine(_data.Folder, "damaged.zip");
        using (var source = System.IO.Compression.ZipFile.OpenRead(good))
        using (var target = System.IO.Compression.ZipFile.Open(damaged, System.IO.Compression.ZipArchiveMode.Create))
            foreach (var entry in source.Entries)
            {
                using var to = target.CreateEntry(entry.FullName).Open();
                if (entry.Name == "ViTok.safetensors") to.Write(new byte[] { 1, 2, 3 });
                else using (var from = entry.Open()) from.CopyTo(to);
            }
        var d = Assert.Throws<InvalidDataException>(() => ml.LoadWithViTok(damaged, out _));
        StringAssert.Contains(d.Message, $"Model file '{damaged}': the ViTok component in '");
        StringAssert.Contains(d.Message, "too short to hold the 8-byte header length");
    }

    [TestMethod]
    public void Prediction_engine_matches_batch_transform()
    {
        var (ml, images) = Images();
        var model = Featurizer(ml, batchSize: 4).Fit(images);
        var batch = Column(model.Transform(images), "Latent");
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, LatentRow>(model);
        for (int i = 0; i < _data.Rows.Count; i += 5)
            CollectionAssert.AreEqual(batch[i], engine.Predict(_data.Rows[i]).Latent, $"row {i}");
    }

    [TestMethod]
    public void A_components_thread_count_leaves_the_process_setting_alone()
    {
        var (ml, images) = Images();
        int process = get_num_threads();
        int own = process == 1 ? 2 : 1;
        var model = ml.Transforms.LoadImages("Image", _data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = _data.TokenizerPath, BatchSize = 4, Threads = own,
            }))
            .Fit(images);
        Assert.AreEqual(process, get_num_threads(), "after Fit");
        var batch = Column(model.Transform(images), "Latent");
        Assert.AreEqual(process, get_num_threads(), "after a batched pass");
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, LatentRow>(model);
        CollectionAssert.AreEqual(batch[1], engine.Predict(_data.Rows[1]).Latent);
        Assert.AreEqual(process, get_num_threads(), "after a PredictionEngine row");
    }

    [TestMethod]
    public void Schema_errors_name_the_column_and_the_expectation()
    {
        var (ml, images) = Images();
        var missing = ml.Transforms.TokenizeImages("Latent", _data.TokenizerPath, "NoSuchColumn");
        StringAssert.Contains(Assert.Throws<Exception>(() => missing.Fit(images)).Message, "'NoSuchColumn' was not found");

        var wrongType = ml.Transforms.TokenizeImages("Latent", _data.TokenizerPath, nameof(ImageRow.Label));
        var e = Assert.Throws<Exception>(() => wrongType.Fit(images));
        StringAssert.Contains(e.Message, "Column 'Label'");
        StringAssert.Contains(e.Message, "expects an image (32x32)");

        var wrongSize = ml.Transforms.LoadImages("Image", _data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 48, 48))
            .Append(ml.Transforms.TokenizeImages("Latent", _data.TokenizerPath, "Image"));
        StringAssert.Contains(Assert.Throws<Exception>(() => wrongSize.Fit(images)).Message, "holds 48x48 images; the tokenizer expects 32x32");

        var unknownSize = ml.Transforms.LoadImages("Image", _data.Folder, nameof(ImageRow.Path))
            .Fit(images).Transform(images);
        var t = ml.Transforms.TokenizeImages("Latent", _data.TokenizerPath, "Image");
        StringAssert.Contains(Assert.Throws<Exception>(() => t.Fit(unknownSize)).Message, "unknown size");

        StringAssert.Contains(Assert.Throws<Exception>(() => ml.Transforms.TokenizeImages("Latent", Path.Combine(_data.Folder, "nope.safetensors"))).Message, "nope.safetensors");
    }

    public sealed class LatentRow
    {
        public float[] Latent { get; set; } = [];
    }
}
