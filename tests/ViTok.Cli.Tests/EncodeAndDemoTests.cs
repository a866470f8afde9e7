using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
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

        // A generated clip of each sprite class: 8 frames of 32x32 that move (consecutive frames differ).
        StringAssert.Contains(text, "Video generation: the shipped sprite-clip DiT");
        string[] classes = ["circle", "square", "triangle", "ring", "cross", "diamond", "stripes", "checker"];
        foreach (var name in classes)
        {
            using var clip = Image.Load<Rgb24>(Path.Combine(_dir, $"sprites-{name}.gif"));
            Assert.AreEqual(8, clip.Frames.Count, name);
            Assert.AreEqual(32 + 2 * 2, clip.Width, name);                        // one 32-pixel clip and its 2-pixel border
            for (int t = 1; t < clip.Frames.Count; t++)
                Assert.IsTrue(Differ(clip.Frames.CloneFrame(t - 1), clip.Frames.CloneFrame(t)), $"{name}: frames {t - 1} and {t} are identical");
        }
        using var grid = Image.Load<Rgb24>(Path.Combine(_dir, "sprites-generated.gif"));
        Assert.AreEqual(8, grid.Frames.Count);
        Assert.AreEqual(classes.Length * 32 + (classes.Length + 1) * 2, grid.Width);
    }

    static bool Differ(Image<Rgb24> a, Image<Rgb24> b)
    {
        using (a)
        using (b)
        {
            for (int y = 0; y < a.Height; y++)
                for (int x = 0; x < a.Width; x++)
                    if (!a[x, y].Equals(b[x, y])) return true;
            return false;
        }
    }
}
