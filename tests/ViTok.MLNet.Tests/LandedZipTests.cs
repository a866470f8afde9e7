using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.Tests;

/// <summary>
/// Pipelines saved by the code that landed before the issue-26 renovation (tests/Fixtures/landed-zips, made by its
/// maker at commit 84ccbdf) still load and compute the rows they computed then.
/// </summary>
[TestClass]
public sealed class LandedZipTests
{
    static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "landed-zips");

    static JsonElement Expected(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))).RootElement.GetProperty(name);

    static float[][] Rows(JsonElement e) => e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

    static float[][] Column(IDataView view, string name) => view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

    static void AreClose(float[][] expected, float[][] actual, string what, float tolerance = 1e-4f)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.HasCount(expected[i].Length, actual[i], $"{what}, row {i}");
            for (int j = 0; j < expected[i].Length; j++)
                Assert.AreEqual(expected[i][j], actual[i][j], tolerance * Math.Max(1, Math.Abs(expected[i][j])), $"{what}, row {i}, value {j}");
        }
    }

    static IDataView Pixels(MLContext ml, float[][] rows)
    {
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new PixelRow { Pixels = r }), schema);
    }

    sealed class PixelRow { public float[] Pixels { get; set; } = []; }
    sealed class LabelRow { public string Label { get; set; } = ""; }

    [TestMethod]
    [DataRow("tokenize-decode")]
    [DataRow("v2-tokenize-decode")]
    public void A_saved_tokenize_and_decode_pipeline_loads_and_gives_the_rows_it_gave(string name)
    {
        var ml = new MLContext(seed: 1);
        var expected = Expected(name);
        var model = ml.LoadWithViTok(Path.Combine(Folder, name + ".zip"), out var schema);
        try
        {
            Assert.IsNotNull(schema.GetColumnOrNull("Pixels"));
            var output = model.Transform(Pixels(ml, Rows(expected.GetProperty("Pixels"))));
            AreClose(Rows(expected.GetProperty("Latent")), Column(output, "Latent"), $"{name}: Latent");
            AreClose(Rows(expected.GetProperty("Decoded")), Column(output, "Decoded"), $"{name}: Decoded");
        }
        finally { (model as IDisposable)?.Dispose(); }
    }

    [TestMethod]
    public void A_saved_generator_pipeline_loads_and_gives_the_latents_it_gave()
    {
        var ml = new MLContext(seed: 1);
        var expected = Expected("generate");
        var model = ml.LoadWithViTok(Path.Combine(Folder, "generate.zip"), out _);
        try
        {
            var labels = expected.GetProperty("Labels").EnumerateArray().Select(l => new LabelRow { Label = l.GetString()! }).ToArray();
            var output = model.Transform(ml.Data.LoadFromEnumerable(labels));
            AreClose(Rows(expected.GetProperty("Generated")), Column(output, "Generated"), "generate: Generated");
        }
        finally { (model as IDisposable)?.Dispose(); }
    }
}
