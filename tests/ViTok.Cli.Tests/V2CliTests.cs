using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Cli.Tests;

/// <summary>`vitok encode/reconstruct/metrics` on a ViTok-v2 checkpoint folder give what the reference computes.</summary>
[TestClass]
public sealed class V2CliTests
{
    string _dir = "";
    static string Tiny => Path.Combine(AppContext.BaseDirectory, "Fixtures", "vitok-v2", "tiny");

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        _dir = Directory.CreateTempSubdirectory("vitok-cli-v2-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Encode_writes_the_reference_latents_per_image_with_the_grid_in_the_metadata()
    {
        string output = Path.Combine(_dir, "x.safetensors");
        var (code, text, err) = CliHarness.Run("encode", "--model", Tiny, "--data", "folder:" + Path.Combine(Tiny, "images"), "--out", output);
        Assert.AreEqual(0, code, text + err);
        var io = SafeTensorsFile.Open(Path.Combine(Tiny, "io.safetensors"));
        var latents = SafeTensorsFile.Open(output);
        CollectionAssert.AreEquivalent(new[] { "item0.png", "item1.png" }, latents.Entries.Keys.ToList());
        Assert.AreEqual("w64_d2_h4-w96_d3_h4/1x8x16", latents.Metadata["vitok.variant"]);
        var sizes = new[] { (40, 56, 5, 7), (52, 44, 7, 6) };
        for (int i = 0; i < 2; i++)
        {
            using var scope = NewDisposeScope();
            string name = $"item{i}.png";
            Assert.AreEqual(ScalarType.Float32, latents.Entries[name].DType);
            var expected = io.Read($"{i}.z");
            var actual = latents.Read(name);
            CollectionAssert.AreEqual(expected.shape, actual.shape, name);
            double scale = expected.abs().max().ToDouble(), diff = (expected - actual).abs().max().ToDouble();
            Assert.IsTrue(diff <= 1e-4 * scale, $"{name}: latent differs by {diff:E3} (max {scale:G4})");
            using var grid = JsonDocument.Parse(latents.Metadata[name]);
            var (h, w, rows, cols) = sizes[i];
            Assert.AreEqual(rows, grid.RootElement.GetProperty("rows").GetInt32());
            Assert.AreEqual(cols, grid.RootElement.GetProperty("cols").GetInt32());
            Assert.AreEqual(h, grid.RootElement.GetProperty("height").GetInt32());
            Assert.AreEqual(w, grid.RootElement.GetProperty("width").GetInt32());
        }

        // The same latents as an ML.NET table (variable-length Latent plus grid and size columns).
        string idv = Path.Combine(_dir, "x.idv");
        (code, text, err) = CliHarness.Run("encode", "--model", Tiny, "--data", "folder:" + Path.Combine(Tiny, "images"), "--out", idv);
        Assert.AreEqual(0, code, text + err);
        var view = new MLContext().Data.LoadFromBinary(idv);
        var fromIdv = view.GetColumn<VBuffer<float>>("Latent").Select(v => v.DenseValues().ToArray()).ToArray();
        CollectionAssert.AreEqual(new[] { "item0.png", "item1.png" }, view.GetColumn<string>("Origin").ToArray());
        CollectionAssert.AreEqual(new[] { 7, 6 }, view.GetColumn<int>("LatentCols").ToArray());
        for (int i = 0; i < 2; i++)
        {
            using var expected = latents.Read($"item{i}.png");
            CollectionAssert.AreEqual(expected.data<float>().ToArray(), fromIdv[i], $"item{i}: .idv latent equals the .safetensors one");
        }
        (code, _, err) = CliHarness.Run("encode", "--model", Tiny, "--data", "folder:" + Path.Combine(Tiny, "images"), "--out", Path.Combine(_dir, "x.csv"));
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, ".safetensors");
        (code, _, err) = CliHarness.Run("encode", "--model", Tiny, "--data", "synthetic", "--out", output);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "folder:PATH");
    }

    [TestMethod]
    public void Reconstruct_decodes_each_image_at_its_size_within_one_level_of_the_reference()
    {
        string folder = Path.Combine(_dir, "out");
        var (code, text, err) = CliHarness.Run("reconstruct", "--model", Tiny, "--data", "folder:" + Path.Combine(Tiny, "images"), "--out", folder, "--json");
        Assert.AreEqual(0, code, text + err);
        var io = SafeTensorsFile.Open(Path.Combine(Tiny, "io.safetensors"));
        for (int i = 0; i < 2; i++)
        {
            using var scope = NewDisposeScope();
            using var half = 127.5.ToScalar();
            var expected = ((io.Read($"{i}.out_image").clamp(-1, 1) + 1) * half).round();
            var actual = (ImageFiles.Load(Path.Combine(folder, "reconstructions", $"item{i}.png")) + 1) * half;
            CollectionAssert.AreEqual(expected.shape, actual.shape, $"item{i}: size");
            Assert.IsTrue((expected - actual).abs().max().ToDouble() <= 1.0 + 1e-3, $"item{i}: more than one 8-bit level from the reference");
            var original = ImageFiles.Load(Path.Combine(folder, "originals", $"item{i}.png"));
            Assert.AreEqual(0.0, (original - io.Read($"{i}.image")).abs().max().ToDouble(), 1e-6, $"item{i}: original");
        }
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        Assert.AreEqual(2, report.RootElement.GetProperty("count").GetInt32());
        Assert.IsTrue(double.IsFinite(report.RootElement.GetProperty("psnr").GetDouble()));

        string candidate = Path.Combine(_dir, "metrics");
        (code, text, err) = CliHarness.Run("metrics", "--model", Tiny, "--reference", Path.Combine(Tiny, "images"), "--candidate", candidate, "--json");
        Assert.AreEqual(0, code, text + err);
        using var metrics = JsonDocument.Parse(text);
        Assert.AreEqual(2, metrics.RootElement.GetProperty("pairs").GetInt32());
        Assert.IsTrue(File.Exists(Path.Combine(candidate, "reconstructions", "item1.png")));
    }

    [TestMethod]
    public void Bench_runs_a_v2_variant_and_reports_both_parts()
    {
        var (code, text, err) = CliHarness.Run("bench", "--v2", "--variant", "w64_d2_h4-w96_d3_h4/1x8x16", "--image-size", "40", "--batch", "1", "--min-calls", "1", "--min-seconds", "0", "--dtype", "fp32");
        Assert.AreEqual(0, code, text + err);
        StringAssert.Contains(text, "w64_d2_h4-w96_d3_h4/1x8x16 at 40x40 (25 tokens), 0.1M + 0.4M parameters");
        StringAssert.Contains(text, "fp32 ");
        (code, _, err) = CliHarness.Run("bench", "--v2", "--variant", "Ld4-Ld24/2x16x64");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--variant");
    }
}
