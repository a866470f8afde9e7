using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;

namespace ViTok.MLNet.Tests;

[TestClass]
public sealed class DataFrameTests
{
    [TestMethod]
    public void Latents_go_to_a_dataframe_with_all_rows_and_their_shape_and_back()
    {
        using var data = new TestData(perClass: 40, imageSize: 32);   // 120 rows: more than ToDataFrame's default 100
        var ml = new MLContext(seed: 1);
        var images = ml.Data.LoadFromEnumerable(data.Rows);
        var latents = ml.Transforms.LoadImages("Image", data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.TokenizeImages("Latent", data.TokenizerPath, "Image"))
            .Fit(images).Transform(images);

        var table = latents.ToShapedDataFrame("Path", "Label", "Latent");
        Assert.AreEqual(120, table.Frame.Rows.Count);
        CollectionAssert.AreEqual(new[] { 16, 4 }, table.ShapeOf("Latent"));

        var back = table.ToDataView();
        var type = (VectorDataViewType)back.Schema["Latent"].Type;
        CollectionAssert.AreEqual(new[] { 16, 4 }, type.Dimensions.ToArray());
        var expected = latents.GetColumn<VBuffer<float>>("Latent").Select(v => v.DenseValues().ToArray()).ToArray();
        var actual = back.GetColumn<VBuffer<float>>("Latent").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        CollectionAssert.AreEqual(latents.GetColumn<string>("Label").ToArray(), back.GetColumn<string>("Label").ToArray());

        var e = Assert.Throws<ArgumentException>(() => latents.ToShapedDataFrame("Image"));
        StringAssert.Contains(e.Message, "Column 'Image'");
    }
}
