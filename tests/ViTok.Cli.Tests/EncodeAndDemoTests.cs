using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class EncodeAndDemoTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-encode-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Encode_writes_an_ml_net_binary_view_of_all_items()
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.random.manual_seed(1);
        string model = Path.Combine(_dir, "t.safetensors");
        using (var m = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(m, model);
        string output = Path.Combine(_dir, "latents.idv");
        var (code, text, err) = CliHarness.Run("encode", "--model", model, "--data", "synthetic:shapes?count=40&size=16", "--out", output, "--batch", "16");
        Assert.AreEqual(0, code, text + err);
        var ml = new MLContext();
        var view = ml.Data.LoadFromBinary(output);
        // GetColumn reuses one buffer for every VBuffer it yields: copy each row out while enumerating.
        var idvRows = view.GetColumn<VBuffer<float>>("Latent").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.AreEqual(40, idvRows.Length);
        Assert.AreEqual(4 * 4, idvRows[0].Length);               // (16/8)² tokens x 4 channels
        Assert.AreEqual(40, view.GetColumn<int>("Label").Count());
        Assert.IsFalse(File.Exists(output + ".tmp"));

        string parquet = Path.Combine(_dir, "latents.parquet");
        (code, text, err) = CliHarness.Run("encode", "--model", model, "--data", "synthetic:shapes?count=40&size=16", "--out", parquet, "--batch", "16");
        Assert.AreEqual(0, code, text + err);
        using var reader = new ParquetSharp.ParquetFileReader(parquet);
        Assert.AreEqual("4,4", reader.FileMetaData.KeyValueMetadata["vitok.shape.Latent"]);
        using var group = reader.RowGroup(0);
        Assert.AreEqual(40, group.MetaData.NumRows);
        var fromParquet = group.Column(2).LogicalReader<float[]>().ReadAll(40);
        for (int i = 0; i < 40; i++) CollectionAssert.AreEqual(idvRows[i], fromParquet[i], $"row {i}");

        (code, _, err) = CliHarness.Run("encode", "--model", model, "--data", "synthetic", "--out", Path.Combine(_dir, "x.csv"));
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, ".parquet");
    }

    [TestMethod]
    public void Demo_runs_on_the_shipped_models_and_bundled_samples()
    {
        var (code, text, err) = CliHarness.Run("demo", "--out", _dir);
        Assert.AreEqual(0, code, text + err);
        StringAssert.Contains(text, "0224.jpg");
        StringAssert.Contains(text, "on raw pixels");
        Assert.IsTrue(File.Exists(Path.Combine(_dir, "photos-grid.png")));
        Assert.IsTrue(File.Exists(Path.Combine(_dir, "fashion-mnist-grid.png")));
        StringAssert.Contains(text, "Generation: the shipped DiT");
        Assert.IsTrue(File.Exists(Path.Combine(_dir, "fashion-mnist-generated.png")));
    }
}
