using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.Tests;

/// <summary>
/// Pipelines saved by the code that landed before the issue-26 renovation (tests/Fixtures/landed-zips, made by its
/// maker at commit 84ccbdf: manifest format 2, the flat record) still load and compute the rows they computed then;
/// so do the same zips as format 1 (the same record without its FormatVersion field, as zips were written before it).
/// </summary>
[TestClass]
public sealed class LandedZipTests
{
    static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "landed-zips");

    static JsonElement Expected(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))).RootElement.GetProperty(name);

    /// <summary>The fixture zip <paramref name="name"/>, or a copy with every manifest's FormatVersion removed (format 1).</summary>
    static string Zip(string name, int format)
    {
        string zip = Path.Combine(Folder, name + ".zip");
        if (format == 2) return zip;
        string copy = Path.Combine(Folder, "format1", name + ".zip");   // beside the fixtures in the test output, remade each run
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(zip, copy, overwrite: true);
        using var archive = ZipFile.Open(copy, ZipArchiveMode.Update);
        foreach (var entry in archive.Entries.Where(e => e.Name == "ViTok.json").ToList())
        {
            JsonObject manifest;
            using (var r = new StreamReader(entry.Open())) manifest = JsonNode.Parse(r.ReadToEnd())!.AsObject();
            Assert.IsTrue(manifest.Remove("FormatVersion"), $"{name}: the fixture has a FormatVersion to remove");
            string path = entry.FullName;
            entry.Delete();
            using var w = new StreamWriter(archive.CreateEntry(path).Open());
            w.Write(manifest.ToJsonString());
        }
        return copy;
    }

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
    [DataRow("tokenize-decode", 2)]
    [DataRow("v2-tokenize-decode", 2)]
    [DataRow("tokenize-decode", 1)]
    [DataRow("v2-tokenize-decode", 1)]
    public void A_saved_tokenize_and_decode_pipeline_loads_and_gives_the_rows_it_gave(string name, int format)
    {
        var ml = new MLContext(seed: 1);
        var expected = Expected(name);
        var model = ml.LoadWithViTok(Zip(name, format), out var schema);
        try
        {
            Assert.IsNotNull(schema.GetColumnOrNull("Pixels"));
            var output = model.Transform(Pixels(ml, Rows(expected.GetProperty("Pixels"))));
            AreClose(Rows(expected.GetProperty("Latent")), Column(output, "Latent"), $"{name}: Latent");
            // Pixels in 0..255 through a decoder: float rounding differs between CPUs (the same code gave decoded pixels
            // up to 7.6e-4 apart on two machines of this workplace, 2026-12-07 and -08), so a thousandth of the value (or of 1).
            AreClose(Rows(expected.GetProperty("Decoded")), Column(output, "Decoded"), $"{name}: Decoded", tolerance: 1e-3f);
        }
        finally { (model as IDisposable)?.Dispose(); }
    }

    [TestMethod]
    [DataRow(2)]
    [DataRow(1)]
    public void A_saved_generator_pipeline_loads_and_gives_the_latents_it_gave(int format)
    {
        var ml = new MLContext(seed: 1);
        var expected = Expected("generate");
        var model = ml.LoadWithViTok(Zip("generate", format), out _);
        try
        {
            var labels = expected.GetProperty("Labels").EnumerateArray().Select(l => new LabelRow { Label = l.GetString()! }).ToArray();
            var output = model.Transform(ml.Data.LoadFromEnumerable(labels));
            AreClose(Rows(expected.GetProperty("Generated")), Column(output, "Generated"), "generate: Generated");
        }
        finally { (model as IDisposable)?.Dispose(); }
    }
}
