using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Generation;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.MLNet.Tests.Contract;

/// <summary>An input row every ViTok component can read from: pixels, a latent, a class.</summary>
public sealed class ContractInput
{
    [VectorType(3, 32, 32)]
    public float[] Pixels { get; set; } = [];
    [VectorType(64)]
    public float[] Latent { get; set; } = [];
    public string Label { get; set; } = "";
    public float Weight { get; set; }
    /// <summary>A latent of the tiny ViTok-v2 tokenizer for a 32x32 image (4 x 4 tokens, c = 16) and its grid columns.</summary>
    [VectorType(256)]
    public float[] V2Latent { get; set; } = new float[256];
    public int V2LatentRows { get; set; } = 4;
    public int V2LatentCols { get; set; } = 4;
    public int V2LatentHeight { get; set; } = 32;
    public int V2LatentWidth { get; set; } = 32;
    /// <summary>An image file of the test data's folder.</summary>
    public string File { get; set; } = "";

    /// <summary><paramref name="rows"/> rows of random 8-bit pixel values (seeded), class "a", zero latents; <paramref name="edit"/> may change row i's pixels.</summary>
    public static IDataView RandomPixels(Microsoft.ML.MLContext ml, int rows, int seed, Action<int, float[]>? edit = null)
    {
        var rng = new Random(seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i =>
        {
            var pixels = Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)rng.Next(256)).ToArray();
            edit?.Invoke(i, pixels);
            return new ContractInput { Pixels = pixels, Latent = new float[64], Label = "a" };
        }).ToArray());
    }
}

/// <summary>The same column names with the wrong types.</summary>
public sealed class ContractWrongTypes
{
    public string Pixels { get; set; } = "";
    public string Latent { get; set; } = "";
    public string V2Latent { get; set; } = "";
    [VectorType(2)]
    public float[] File { get; set; } = [];
    [VectorType(2)]
    public float[] Label { get; set; } = [];
}

/// <summary>A row with none of the input columns.</summary>
public sealed class ContractNothing
{
    public float Weight { get; set; }
}

/// <summary>
/// The contract every ViTok estimator and transformer keeps, as ML.NET's own TestEstimatorCore checks its components:
/// null arguments are ArgumentNullException; the estimator's schema, the transformer's and the transformed data's
/// agree; a missing or mistyped input column fails at Fit and at GetOutputSchema naming the column, before any row is
/// read; a saved and reloaded transformer gives the same values; the row mapper (PredictionEngine's path) gives what
/// the batched cursor gives, over a row count that is not a multiple of the batch size. One case per component.
/// </summary>
[TestClass]
public sealed class ComponentContractTests
{
    static TestData _data = null!;
    static string _generatorPath = null!;
    /// <summary>The tiny ViTok-v2 checkpoint (a native-resolution tokenizer: stride 8, c = 16).</summary>
    static string V2 => Path.Combine(AppContext.BaseDirectory, "Fixtures", "vitok-v2", "tiny");

    [ClassInitialize]
    public static void Init(TestContext _)
    {
        _data = new TestData(perClass: 1);   // the tiny tokenizer: N-N/8, c = 4, 32 px: 16 tokens x 4 = 64 values
        torch.random.manual_seed(5);
        using var generator = new LatentGenerator(new DiT(DiTConfig.For(_data.Config, "N", classes: 2)),
            LatentNormalization.Identity(4), ["a", "b"], _data.Config);
        _generatorPath = Path.Combine(_data.Folder, "generator.safetensors");
        GeneratorFile.Save(generator, _generatorPath);
    }

    [ClassCleanup]
    public static void Cleanup() => _data.Dispose();

    /// <summary>
    /// A component under contract: its estimator (batch size 3), the input column it reads, the column it adds, and
    /// the column its fitted transformer reads when that is another (a trained generator reads labels, not latents).
    /// </summary>
    public sealed record Case(string Name, string Input, string Output, Func<MLContext, IEstimator<ITransformer>> Estimator, string? TransformInput = null)
    {
        public override string ToString() => Name;
    }

    static readonly Case[] Cases =
    [
        new("TokenizeImages", "Pixels", "Out", ml => ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            { OutputColumnName = "Out", InputColumnName = "Pixels", TokenizerPath = _data.TokenizerPath, BatchSize = 3 })),
        new("TokenizeImages (sampled)", "Pixels", "Out", ml => ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            { OutputColumnName = "Out", InputColumnName = "Pixels", TokenizerPath = _data.TokenizerPath, BatchSize = 3, Latent = LatentKind.Sample, Seed = 4 })),
        new("DecodeLatents (pixels)", "Latent", "Out", ml => ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            { OutputColumnName = "Out", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath, BatchSize = 3, Output = DecodedOutput.PixelVector })),
        new("DecodeLatents (image)", "Latent", "Out", ml => ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            { OutputColumnName = "Out", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath, BatchSize = 3 })),
        new("TokenizeImages (native resolution)", "Pixels", "Out", ml => ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            { OutputColumnName = "Out", InputColumnName = "Pixels", TokenizerPath = V2, BatchSize = 3 })),
        new("DecodeLatents (native resolution, pixels)", "V2Latent", "Out", ml => ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            { OutputColumnName = "Out", InputColumnName = "V2Latent", TokenizerPath = V2, BatchSize = 3, Output = DecodedOutput.PixelVector })),
        new("DecodeLatents (native resolution, image)", "V2Latent", "Out", ml => ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            { OutputColumnName = "Out", InputColumnName = "V2Latent", TokenizerPath = V2, BatchSize = 3 })),
        new("ReadImages", "File", "Out", ml => ml.Transforms.ReadImages("Out", _data.Folder, "File", imageSize: 16)),
        new("ReadImages (own size)", "File", "Out", ml => ml.Transforms.ReadImages("Out", _data.Folder, "File")),
        new("GenerateLatents", "Label", "Out", ml => ml.Transforms.GenerateLatents(new GenerateLatentsOptions
            { OutputColumnName = "Out", LabelColumnName = "Label", GeneratorPath = _generatorPath, BatchSize = 3, Steps = 3 })),
        new("TrainTokenizer", "Pixels", "Out", ml => ml.Transforms.TrainTokenizer(new TrainTokenizerOptions
        {
            OutputColumnName = "Out", InputColumnName = "Pixels", Variant = "N-N/8", Channels = 4, ImageSize = 32, BatchSize = 3,
            Training = new TokenizerTrainingOptions { Steps = 2, BatchSize = 2, LogEvery = 1, EvalEvery = 100, CheckpointEvery = 100, PerceptualWeight = 0 },
        })),
        new("TrainGenerator", "Latent", "Out", ml => ml.Transforms.TrainGenerator(new TrainGeneratorOptions
        {
            OutputColumnName = "Out", LatentColumnName = "Latent", LabelColumnName = "Label", TokenizerPath = _data.TokenizerPath, Size = "N",
            SamplingSteps = 3, BatchSize = 3, Training = new GeneratorTrainingOptions { Steps = 2, BatchSize = 2, LogEvery = 1, CheckpointEvery = 100 },
        }), TransformInput: "Label"),
    ];

    public static IEnumerable<object[]> All => Cases.Select(c => new object[] { c });

    static IDataView Input(MLContext ml, int rows)
    {
        var rng = new Random(8);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new ContractInput
        {
            Pixels = Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)rng.Next(256)).ToArray(),
            Latent = Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(),
            V2Latent = Enumerable.Range(0, 256).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(),
            File = _data.Rows[i % _data.Rows.Count].Path,
            Label = i % 3 == 0 ? "b" : "a",
            Weight = i,
        }).ToArray());
    }

    [TestMethod]
    [DynamicData(nameof(All))]
    public void Null_arguments_are_ArgumentNullException(Case c)
    {
        var ml = new MLContext(seed: 1);
        var estimator = c.Estimator(ml);
        Assert.Throws<ArgumentNullException>(() => estimator.Fit(null!));
        Assert.Throws<ArgumentNullException>(() => estimator.GetOutputSchema(null!));
        var data = Input(ml, 4);
        var model = estimator.Fit(data);
        using var _ = model as IDisposable;
        Assert.Throws<ArgumentNullException>(() => model.Transform(null!));
        Assert.Throws<ArgumentNullException>(() => model.GetOutputSchema(null!));
        Assert.Throws<ArgumentNullException>(() => model.GetRowToRowMapper(null!));
    }

    [TestMethod]
    [DynamicData(nameof(All))]
    public void The_schemas_of_estimator_transformer_and_data_agree(Case c)
    {
        var ml = new MLContext(seed: 1);
        var data = Input(ml, 4);
        var estimator = c.Estimator(ml);
        var shape = estimator.GetOutputSchema(RowValues.ShapeOf(data.Schema));
        var model = estimator.Fit(data);
        using var _ = model as IDisposable;
        var schema = model.GetOutputSchema(data.Schema);
        var transformed = model.Transform(data).Schema;
        var column = shape.SingleOrDefault(x => x.Name == c.Output);
        Assert.AreEqual(c.Output, column.Name, $"{c}: the estimator's schema has no '{c.Output}'");
        Assert.AreEqual(schema[c.Output].Type.RawType, column.ItemType.RawType == typeof(float) && column.Kind != SchemaShape.Column.VectorKind.Scalar
            ? typeof(VBuffer<float>) : column.ItemType.RawType, $"{c}: the estimator's and the transformer's output type");
        CollectionAssert.AreEqual(schema.Select(x => (x.Name, x.Type.ToString(), x.IsHidden)).ToArray(),
            transformed.Select(x => (x.Name, x.Type.ToString(), x.IsHidden)).ToArray(), $"{c}: GetOutputSchema and Transform(...).Schema");
        foreach (var input in data.Schema)
            Assert.AreEqual(input.Type, schema[input.Name].Type, $"{c}: input column '{input.Name}' passes through unchanged");
    }

    [TestMethod]
    public void Decoded_image_pixel_vectors_are_shaped_as_ExtractPixels_gives_them()
    {
        var ml = new MLContext(seed: 1);
        var data = Input(ml, 2);
        using var model = ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            { OutputColumnName = "Out", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath, Output = DecodedOutput.PixelVector }).Fit(data);
        var decoded = (VectorDataViewType)model.GetOutputSchema(data.Schema)["Out"].Type;
        CollectionAssert.AreEqual(new[] { 3, 32, 32 }, decoded.Dimensions.ToArray());
        CollectionAssert.AreEqual(((VectorDataViewType)data.Schema["Pixels"].Type).Dimensions.ToArray(), decoded.Dimensions.ToArray());
    }

    [TestMethod]
    public void Clamped_pixel_vectors_stay_in_the_pixel_range_and_the_setting_is_saved()
    {
        var ml = new MLContext(seed: 1);
        // Latents of 3: far outside what the random tiny decoder saw, so unclamped pixels overshoot 0..255.
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 3).Select(i => new ContractInput { Pixels = new float[3 * 32 * 32], Latent = Enumerable.Repeat(3f + i, 64).ToArray() }).ToArray());
        DecodeLatentsOptions Options(bool clamp) => new()
            { OutputColumnName = "Out", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath, Output = DecodedOutput.PixelVector, ClampPixels = clamp };
        float[] Values(ITransformer model) => model.Transform(data).GetColumn<VBuffer<float>>("Out").SelectMany(v => v.DenseValues()).ToArray();
        using var raw = ml.Transforms.DecodeLatents(Options(false)).Fit(data);
        using var clamped = ml.Transforms.DecodeLatents(Options(true)).Fit(data);
        var unclamped = Values(raw);
        Assert.IsTrue(unclamped.Any(v => v < 0 || v > 255), "the test's latents make the decoder overshoot");
        var inRange = Values(clamped);
        Assert.IsTrue(inRange.All(v => v >= 0 && v <= 255));
        var expected = unclamped.Select(v => Math.Clamp(v, 0f, 255f)).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], inRange[i], 1e-3f, $"value {i}");   // 1 / (1/127.5) rounds to 254.99998

        string zip = Path.Combine(_data.Folder, $"clamped-{Guid.NewGuid():N}.zip");
        ml.SaveWithViTok(clamped, data.Schema, zip);
        var loaded = ml.LoadWithViTok(zip, out _);
        using var __ = loaded as IDisposable;
        CollectionAssert.AreEqual(inRange, Values(loaded));
    }

    [TestMethod]
    [DynamicData(nameof(All))]
    public void A_missing_input_column_fails_at_fit_and_at_schema_naming_it(Case c)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new ContractNothing { Weight = 1 } });
        var estimator = c.Estimator(ml);
        var e = Assert.Throws<Exception>(() => estimator.GetOutputSchema(RowValues.ShapeOf(data.Schema)));
        StringAssert.Contains(e.Message, $"'{c.Input}'", $"{c}: GetOutputSchema");
        e = Assert.Throws<Exception>(() => estimator.Fit(data));
        StringAssert.Contains(e.Message, $"'{c.Input}'", $"{c}: Fit");
    }

    [TestMethod]
    [DynamicData(nameof(All))]
    public void A_mistyped_input_column_fails_at_fit_at_schema_and_at_transform_naming_it(Case c)
    {
        var ml = new MLContext(seed: 1);
        var wrong = ml.Data.LoadFromEnumerable(new[] { new ContractWrongTypes { Pixels = "x", Latent = "y", Label = [1, 2], File = [1, 2] } });
        var estimator = c.Estimator(ml);
        var e = Assert.Throws<Exception>(() => estimator.GetOutputSchema(RowValues.ShapeOf(wrong.Schema)));
        StringAssert.Contains(e.Message, $"'{c.Input}'", $"{c}: GetOutputSchema");
        e = Assert.Throws<Exception>(() => estimator.Fit(wrong));
        StringAssert.Contains(e.Message, $"'{c.Input}'", $"{c}: Fit");
        var model = estimator.Fit(Input(ml, 4));
        using var _ = model as IDisposable;
        e = Assert.Throws<Exception>(() => model.Transform(wrong));
        StringAssert.Contains(e.Message, $"'{c.TransformInput ?? c.Input}'", $"{c}: Transform");
    }

    [TestMethod]
    [DynamicData(nameof(All))]
    public void Saved_and_reloaded_it_gives_the_same_rows_and_the_row_mapper_gives_the_batched_rows(Case c)
    {
        var ml = new MLContext(seed: 1);
        var data = Input(ml, 8);   // batch size 3: batches of 3, 3 and 2
        var model = c.Estimator(ml).Fit(data);
        using var _ = model as IDisposable;
        var output = model.Transform(data);
        var all = output.Schema.ToArray();
        var batched = RowValues.Read(output, all);
        RowValues.AssertSame(batched, RowValues.RowAtATime(model, data), all, $"{c}: row mapper against batched cursor");

        string zip = Path.Combine(_data.Folder, $"contract-{Guid.NewGuid():N}.zip");
        ml.SaveWithViTok(model, data.Schema, zip);
        var loaded = ml.LoadWithViTok(zip, out var inputSchema);
        using var __ = loaded as IDisposable;
        Assert.AreEqual(data.Schema.Count, inputSchema.Count, c.ToString());
        RowValues.AssertSame(batched, RowValues.Read(loaded.Transform(data), all), all, $"{c}: reloaded");
    }

}
