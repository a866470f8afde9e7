using System.Text.Json;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class BaselinesVerbTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-baselines-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Baselines_scores_every_method_per_image_and_states_a_verdict_against_each()
    {
        string model = Path.Combine(_dir, "tiny.safetensors");
        using (var m = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(m, model);   // E = 16
        var (code, output, err) = CliHarness.Run("baselines", "--model", model, "--data", "synthetic:shapes?count=6&size=16&seed=1",
            "--fit-data", "synthetic:shapes?count=8&size=16", "--fit-count", "20", "--out", _dir, "--threads", "1");
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "thumbnail 2x2, bicubic");
        StringAssert.Contains(output, "PCA (20 training crops");
        StringAssert.Contains(output, "JPEG, whole file <= 32 bytes");
        StringAssert.Contains(output, "beat it by more than the spread");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "baselines.json")));
        var methods = json.RootElement.GetProperty("methods").EnumerateArray().ToList();
        Assert.HasCount(5, methods);
        foreach (var method in methods) Assert.AreEqual(6, method.GetProperty("psnr").GetArrayLength());
        Assert.IsFalse(methods[0].TryGetProperty("margin_psnr", out _), "no margin of the tokenizer against itself");
        Assert.IsTrue(methods[1].TryGetProperty("beats_by_more_than_spread", out _));
    }

    [TestMethod]
    public void Too_few_fitting_crops_for_pca_at_the_latent_size_is_a_usage_error()
    {
        string model = Path.Combine(_dir, "tiny.safetensors");
        using (var m = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(m, model);
        var (code, _, err) = CliHarness.Run("baselines", "--model", model, "--data", "synthetic:shapes?count=6&size=16", "--fit-data", "synthetic:shapes?count=8&size=16", "--fit-count", "10");
        Assert.AreEqual(2, code, err);
        StringAssert.Contains(err, "--fit-count");
    }
}
