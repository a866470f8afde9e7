using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using ViTok.MLNet.Decode;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.Models.Runtime;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.MLNet.Tests;

/// <summary>TokenizeImages / DecodeLatents with a ViTok-v2 checkpoint folder (the reference's tiny fixture, random weights).</summary>
[TestClass]
public sealed class ViTokV2Tests
{
    static string Tiny => Path.Combine(AppContext.BaseDirectory, "Fixtures", "vitok-v2", "tiny");
    string _dir = "";

    public sealed class PhotoRow
    {
        public string Path { get; set; } = "";
        public bool Label { get; set; }
    }

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        _dir = Directory.CreateTempSubdirectory("vitok-mlnet-v2-").FullName;
        // Three photos of three sizes: the fixture's two (40x56, 52x44) and a 47x33 crop of the second (not patch multiples).
        File.Copy(Path.Combine(Tiny, "images", "item0.png"), Path.Combine(_dir, "item0.png"));
        File.Copy(Path.Combine(Tiny, "images", "item1.png"), Path.Combine(_dir, "item1.png"));
        using var crop = Image.Load<Rgb24>(Path.Combine(Tiny, "images", "item1.png"));
        crop.Mutate(x => x.Crop(new Rectangle(5, 3, 33, 47)));
        crop.SaveAsPng(Path.Combine(_dir, "crop.png"));
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    PhotoRow[] Rows => [new() { Path = "item0.png", Label = true }, new() { Path = "item1.png" }, new() { Path = "crop.png", Label = true }];

    [TestMethod]
    public void NativeSize_tokenizes_and_decodes_each_photo_at_its_own_size_and_survives_save_and_load()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var pipeline = ml.Transforms.LoadImages("Image", _dir, nameof(PhotoRow.Path))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = Tiny, BatchSize = 2 }))
            .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions { OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = Tiny, BatchSize = 2 }));
        var model = pipeline.Fit(data);
        var output = model.Transform(data);
        var latentType = (VectorDataViewType)output.Schema["Latent"].Type;
        Assert.AreEqual(0, latentType.Size, "native size: variable-length latents");

        var rows = Read(output);
        var expectedSizes = new[] { (40, 56, 5, 7), (52, 44, 7, 6), (47, 33, 6, 5) };
        var io = SafeTensorsFile.Open(Path.Combine(Tiny, "io.safetensors"));
        for (int i = 0; i < 3; i++)
        {
            var (h, w, r, c) = expectedSizes[i];
            var row = rows[i];
            Assert.AreEqual((r, c, h, w), (row.Rows, row.Cols, row.Height, row.Width), $"row {i}: grid and size columns");
            Assert.AreEqual(r * c * 16, row.Latent.Length, $"row {i}: latent length");
            Assert.AreEqual((w, h), (row.Decoded.Width, row.Decoded.Height), $"row {i}: decoded at its own size");
            if (i < 2)
            {
                using var scope = NewDisposeScope();
                // Through ML.NET's image loader the latents and decoded images are the reference's.
                var z = io.Read($"{i}.z");
                double diff = (z.flatten() - tensor(row.Latent)).abs().max().ToDouble();
                Assert.IsTrue(diff <= 1e-4 * z.abs().max().ToDouble(), $"row {i}: latent differs from the reference by {diff:E3}");
                using var half = 127.5.ToScalar();
                var expected = ((io.Read($"{i}.out_image").clamp(-1, 1) + 1) * half).round();  // [3, H, W]
                var rgba = tensor(row.Decoded.Pixels.ToArray(), [h, w, 4]).to(ScalarType.Float32);
                var actual = rgba[.., .., ..3].permute(2, 0, 1);
                Assert.IsTrue((expected - actual).abs().max().ToDouble() <= 1.0 + 1e-3, $"row {i}: decoded image more than one level from the reference");
            }
        }
        var sizes = rows.Select(r => (r.Decoded.Width, r.Decoded.Height)).ToList();
        foreach (var row in rows) row.Decoded.Dispose();

        string saved = Path.Combine(_dir, "pipeline.zip");
        ml.Model.Save(model, data.Schema, saved);
        var ml2 = new MLContext(seed: 0);
        var loaded = ml2.LoadWithViTok(saved, out _);
        var again = Read(loaded.Transform(ml2.Data.LoadFromEnumerable(Rows)));
        for (int i = 0; i < 3; i++)
        {
            CollectionAssert.AreEqual(rows[i].Latent, again[i].Latent, $"row {i}: latent after save/load");
            Assert.AreEqual(sizes[i], (again[i].Decoded.Width, again[i].Decoded.Height), $"row {i}: decoded size after save/load");
            again[i].Decoded.Dispose();
        }
    }

    [TestMethod]
    public void FixedSize_gives_fixed_length_latents_that_feed_a_trainer()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Rows.Concat(Rows).ToArray());
        var pipeline = ml.Transforms.LoadImages("Image", _dir, nameof(PhotoRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 24))                      // width 32, height 24: a 3x4 grid
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = Tiny }))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: nameof(PhotoRow.Label), featureColumnName: "Latent", maximumNumberOfIterations: 5));
        var model = pipeline.Fit(data);
        var scored = model.Transform(data);
        var latentType = (VectorDataViewType)scored.Schema["Latent"].Type;
        Assert.AreEqual(3 * 4 * 16, latentType.Size);
        CollectionAssert.AreEqual(new[] { 12, 16 }, latentType.Dimensions.ToArray());
        Assert.AreEqual(6, scored.GetColumn<float>("Score").Count(s => float.IsFinite(s)));
        Assert.IsTrue(scored.GetColumn<int>("LatentRows").All(r => r == 3));

        // An image column of another fixed size is refused, naming the column.
        var wrong = ml.Transforms.LoadImages("Image", _dir, nameof(PhotoRow.Path)).Append(ml.Transforms.ResizeImages("Image", 16, 16)).Fit(data).Transform(data);
        var tokenizer = ((IEnumerable<ITransformer>)model).First(t => t is TokenizeImagesTransformer);
        var e = Assert.ThrowsExactly<ArgumentException>(() => tokenizer.GetOutputSchema(wrong.Schema));
        StringAssert.Contains(e.Message, "'Image'");
    }

    sealed record Row(float[] Latent, int Rows, int Cols, int Height, int Width, MLImage Decoded);

    static List<Row> Read(IDataView view)
    {
        var result = new List<Row>();
        var columns = new[] { "Latent", "LatentRows", "LatentCols", "LatentHeight", "LatentWidth", "Decoded" }.Select(n => view.Schema[n]).ToArray();
        using var cursor = view.GetRowCursor(columns);
        var latent = cursor.GetGetter<VBuffer<float>>(columns[0]);
        var ints = columns[1..5].Select(c => cursor.GetGetter<int>(c)).ToArray();
        var image = cursor.GetGetter<MLImage>(columns[5]);
        while (cursor.MoveNext())
        {
            VBuffer<float> l = default;
            latent(ref l);
            var v = new int[4];
            for (int i = 0; i < 4; i++) ints[i](ref v[i]);
            MLImage decoded = null!;
            image(ref decoded);
            // Copy the image: the getter disposes the one it gave before when it is called again.
            var copy = MLImage.CreateFromPixels(decoded.Width, decoded.Height, decoded.PixelFormat, decoded.Pixels.ToArray());
            result.Add(new Row(l.DenseValues().ToArray(), v[0], v[1], v[2], v[3], copy));
        }
        return result;
    }
}
