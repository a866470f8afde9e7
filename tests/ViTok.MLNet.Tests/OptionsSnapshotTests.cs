using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;
using ViTok.MLNet.Tests.Contract;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet.Tests;

/// <summary>
/// Settings are fixed when an estimator is made (ML.NET reads its options once), and saved with a format version
/// that a later build can check (issue 26).
/// </summary>
[TestClass]
public sealed class OptionsSnapshotTests
{
    static TestData _data = null!;

    [ClassInitialize]
    public static void Init(TestContext _) => _data = new TestData(perClass: 1);

    [ClassCleanup]
    public static void Cleanup() => _data.Dispose();

    static IDataView Pixels(MLContext ml, int rows) => ContractInput.RandomPixels(ml, rows, seed: 6);

    static float[][] Latents(IDataView view) => view.GetColumn<VBuffer<float>>("Out").Select(v => v.DenseValues().ToArray()).ToArray();

    static JsonObject Manifest(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        using var reader = new StreamReader(archive.Entries.Single(e => e.Name == "ViTok.json").Open());
        return JsonNode.Parse(reader.ReadToEnd())!.AsObject();
    }

    [TestMethod]
    public void Changing_an_options_object_after_fit_changes_nothing_in_the_fitted_model_or_what_it_saves()
    {
        var ml = new MLContext(seed: 1);
        var data = Pixels(ml, 5);
        var options = new TokenizeImagesOptions
        {
            OutputColumnName = "Out", InputColumnName = "Pixels", TokenizerPath = _data.TokenizerPath, BatchSize = 3, Latent = LatentKind.Sample, Seed = 4,
        };
        var estimator = ml.Transforms.TokenizeImages(options);
        using var model = estimator.Fit(data);
        var before = Latents(model.Transform(data));

        options.Seed = 99;
        options.Latent = LatentKind.Mean;
        options.BatchSize = 1;
        options.PixelScale = 1;
        options.OutputColumnName = "Other";
        var after = Latents(model.Transform(data));
        for (int i = 0; i < before.Length; i++) CollectionAssert.AreEqual(before[i], after[i], $"row {i}");

        string zip = Path.Combine(_data.Folder, "snapshot.zip");
        ml.SaveWithViTok(model, data.Schema, zip);
        var manifest = Manifest(zip)["Options"]!;
        Assert.AreEqual(4, (int)manifest["Seed"]!);
        Assert.AreEqual(3, (int)manifest["BatchSize"]!);
        Assert.AreEqual("Sample", (string)manifest["Latent"]!);
        foreach (var notSaved in new[] { "Device", "TokenizerPath", "Tokenizer" })   // where it runs and where the weights came from
            Assert.IsFalse(manifest.AsObject().ContainsKey(notSaved), notSaved);

        // The estimator made before the change also keeps its copy: a second Fit gives the first model's rows.
        using var again = estimator.Fit(data);
        CollectionAssert.AreEqual(before[2], Latents(again.Transform(data))[2]);
    }

    [TestMethod]
    public void A_zip_of_a_future_format_is_refused_naming_it()
    {
        var ml = new MLContext(seed: 1);
        var data = Pixels(ml, 2);
        string zip = Path.Combine(_data.Folder, "format.zip");
        using (var model = ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Out", InputColumnName = "Pixels", TokenizerPath = _data.TokenizerPath }).Fit(data))
            ml.SaveWithViTok(model, data.Schema, zip);
        Assert.AreEqual(3, (int)Manifest(zip)["FormatVersion"]!);

        void Edit(Action<JsonObject> change)
        {
            using var archive = ZipFile.Open(zip, ZipArchiveMode.Update);
            var entry = archive.Entries.Single(e => e.Name == "ViTok.json");
            JsonObject manifest;
            using (var r = new StreamReader(entry.Open())) manifest = JsonNode.Parse(r.ReadToEnd())!.AsObject();
            change(manifest);
            entry.Delete();
            using var w = new StreamWriter(archive.CreateEntry(entry.FullName).Open());
            w.Write(manifest.ToJsonString());
        }

        // Zips of formats 1 and 2 (as the code of their days wrote them) load: LandedZipTests.
        using (var loaded = ml.LoadWithViTok(zip, out _) as IDisposable) Assert.IsNotNull(loaded);

        Edit(m => m["FormatVersion"] = 99);
        var e = Assert.Throws<InvalidDataException>(() => ml.LoadWithViTok(zip, out _));
        StringAssert.Contains(e.Message, "format.zip");
        StringAssert.Contains(e.Message, "format 99");
        StringAssert.Contains(e.Message, "reads formats 1 to 3");
    }
}
