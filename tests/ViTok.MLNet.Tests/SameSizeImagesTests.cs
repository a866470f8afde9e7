using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet;

namespace ViTok.MLNet.Tests;

/// <summary>
/// Images that already have the tokenizer's size: ResizeImages hands its input image through unchanged, so the
/// image column and the tokenizer read one and the same MLImage. Reading both in one cursor must work.
/// </summary>
[TestClass]
public sealed class SameSizeImagesTests
{
    static TestData _data = null!;

    [ClassInitialize]
    public static void Init(TestContext _) => _data = new TestData(perClass: 12, imageSize: 32);

    [ClassCleanup]
    public static void Cleanup() => _data.Dispose();

    static ITransformer Model(MLContext ml, IDataView images, int batchSize) =>
        ml.Transforms.LoadImages("Image", _data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = _data.TokenizerPath, BatchSize = batchSize,
            }))
            .Fit(images);

    [TestMethod]
    [DataRow(32)]
    [DataRow(1)]
    public void Image_and_latent_columns_read_in_one_cursor(int batchSize)
    {
        var ml = new MLContext(seed: 1);
        var images = ml.Data.LoadFromEnumerable(_data.Rows);
        var output = Model(ml, images, batchSize).Transform(images);
        var expected = output.GetColumn<VBuffer<float>>("Latent").Select(v => v.DenseValues().ToArray()).ToArray();

        using var cursor = output.GetRowCursor([output.Schema["Image"], output.Schema["Latent"]]);
        var imageGetter = cursor.GetGetter<MLImage>(output.Schema["Image"]);
        var latentGetter = cursor.GetGetter<VBuffer<float>>(output.Schema["Latent"]);
        MLImage image = null!;
        VBuffer<float> latent = default;
        int rows = 0;
        while (cursor.MoveNext())
        {
            imageGetter(ref image);
            latentGetter(ref latent);
            Assert.AreEqual(32, image.Width, $"row {rows}");
            Assert.AreEqual(32 * 32 * 4, image.Pixels.Length, $"row {rows}");
            CollectionAssert.AreEqual(expected[rows], latent.DenseValues().ToArray(), $"row {rows}");
            rows++;
        }
        Assert.AreEqual(_data.Rows.Count, rows);
    }

    [TestMethod]
    public void Image_and_latent_columns_read_through_a_prediction_engine()
    {
        var ml = new MLContext(seed: 1);
        var images = ml.Data.LoadFromEnumerable(_data.Rows);
        var model = Model(ml, images, batchSize: 32);
        var expected = model.Transform(images).GetColumn<VBuffer<float>>("Latent").Select(v => v.DenseValues().ToArray()).ToArray();
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, ImageAndLatent>(model);
        for (int i = 0; i < _data.Rows.Count; i += 7)
        {
            var row = engine.Predict(_data.Rows[i]);
            Assert.AreEqual(32, row.Image!.Width, $"row {i}");
            CollectionAssert.AreEqual(expected[i], row.Latent, $"row {i}");
        }
    }

    public sealed class ImageAndLatent
    {
        [ImageType(32, 32)]
        public MLImage? Image { get; set; }
        public float[] Latent { get; set; } = [];
    }
}
