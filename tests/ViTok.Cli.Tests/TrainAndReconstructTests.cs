using System.Text.Json;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class TrainAndReconstructTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-train-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    string[] Train(string run, params string[] extra) => Train(run, 6, extra);

    string[] Train(string run, int steps, params string[] extra) =>
    [
        "train", "--variant", "N-N/8", "-c", "4", "--image-size", "16", "--data", "synthetic:shapes?count=64&size=16",
        "--out", run, "--steps", steps.ToString(), "--log-every", "1", "--batch", "8", "--lr", "2e-3", "--perceptual-weight", "0", "--no-fd",
        "--eval-items", "8", "--eval-every", "6", "--checkpoint-every", "3", .. extra,
    ];

    [TestMethod]
    public void Train_then_reconstruct_writes_model_grid_and_metrics()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, err) = CliHarness.Run(Train(run));
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "step 6/6");
        Assert.IsTrue(File.Exists(Path.Combine(run, "tokenizer.safetensors")));
        Assert.AreEqual(6, File.ReadAllLines(Path.Combine(run, "history.jsonl")).Length);

        string out_ = Path.Combine(_dir, "recon");
        (code, output, err) = CliHarness.Run("reconstruct", "--model", Path.Combine(run, "tokenizer.safetensors"),
            "--data", "synthetic:shapes?count=20&size=16&seed=9", "--out", out_, "--count", "20", "--save", "4", "--no-fd", "--json");
        Assert.AreEqual(0, code, output + err);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json")));
        Assert.IsTrue(json.RootElement.GetProperty("psnr").GetDouble() > 5);
        Assert.IsTrue(json.RootElement.GetProperty("ssim").GetDouble() > -1);
        Assert.AreEqual(20, json.RootElement.GetProperty("count").GetInt32());
        Assert.IsTrue(File.Exists(Path.Combine(out_, "grid.png")));
        Assert.AreEqual(8, Directory.GetFiles(Path.Combine(out_, "reconstructions")).Length);
    }

    [TestMethod]
    public void Resume_continues_a_run_to_its_end()
    {
        string run = Path.Combine(_dir, "run");
        Assert.AreEqual(0, CliHarness.Run(Train(run, 3)).Code);
        var (code, output, err) = CliHarness.Run(Train(run, "--resume"));
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "resumed from");
    }

    [TestMethod]
    public void Bad_training_options_are_usage_errors_naming_the_option()
    {
        var (code, _, err) = CliHarness.Run("train", "--variant", "N-N/8", "--image-size", "16", "--data", "nosuch:thing", "--out", _dir);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--data");

        (code, _, err) = CliHarness.Run("train", "--variant", "N-N/8", "--image-size", "16", "--data", "synthetic?size=32", "--out", _dir, "--no-fd");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "32x32 clips; the tokenizer takes 1x16x16");

        (code, _, err) = CliHarness.Run("train", "--variant", "N-N/8", "--image-size", "16", "--data", "synthetic?size=16", "--out", _dir, "--stage", "2");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--from");

        (code, _, err) = CliHarness.Run("reconstruct", "--model", Path.Combine(_dir, "none.safetensors"), "--data", "synthetic", "--out", _dir);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "none.safetensors");
    }
}
