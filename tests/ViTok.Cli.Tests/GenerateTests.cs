using System.Text.Json;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class GenerateTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-gen-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>A tiny tokenizer (6 training steps) and a tiny generator trained on its latents of synthetic shapes.</summary>
    (string Tokenizer, string Generator) TrainBoth(string objective = "ddpm")
    {
        string tok = Path.Combine(_dir, "tok");
        var (code, output, err) = CliHarness.Run("train", "--variant", "N-N/8", "-c", "4", "--image-size", "16", "--data", "synthetic:shapes?count=32&size=16",
            "--out", tok, "--steps", "3", "--batch", "8", "--perceptual-weight", "0", "--no-fd", "--eval-items", "4");
        Assert.AreEqual(0, code, output + err);
        string gen = Path.Combine(_dir, "gen-" + objective);
        (code, output, err) = CliHarness.Run("train-generator", "--tokenizer", Path.Combine(tok, "tokenizer.safetensors"), "--data", "synthetic:shapes?count=24&size=16",
            "--out", gen, "--size", "N", "--objective", objective, "--steps", "4", "--batch", "8", "--lr", "1e-3", "--checkpoint-every", "2", "--log-every", "1", "--workers", "1");
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "encoding 24 items");
        StringAssert.Contains(output, "step 4/4");
        Assert.IsTrue(File.Exists(Path.Combine(gen, "latents.safetensors")));
        return (Path.Combine(tok, "tokenizer.safetensors"), Path.Combine(gen, "generator.safetensors"));
    }

    [TestMethod]
    public void Train_generator_then_generate_writes_class_folders_a_grid_and_a_manifest()
    {
        var (tokenizer, generator) = TrainBoth();
        string out_ = Path.Combine(_dir, "samples");
        var (code, output, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--class", "0,2", "--count", "3",
            "--steps", "5", "--cfg", "2", "--seed", "7", "--batch", "2", "--out", out_);
        Assert.AreEqual(0, code, output + err);
        Assert.IsTrue(File.Exists(Path.Combine(out_, "grid.png")));
        var folders = Directory.GetDirectories(out_);
        Assert.AreEqual(2, folders.Length);
        foreach (var folder in folders) Assert.AreEqual(3, Directory.GetFiles(folder, "*.png").Length);
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "samples.json")));
        Assert.AreEqual("ddim", manifest.RootElement.GetProperty("sampler").GetString());
        Assert.AreEqual(5, manifest.RootElement.GetProperty("steps").GetInt32());
        CollectionAssert.AreEqual(new[] { 0.0, 1.0 }, manifest.RootElement.GetProperty("guidance_interval").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            "the default interval: every step");

        // Same seed, another batch size: the same images (sample i of a class starts from the noise of (seed, i)).
        string again = Path.Combine(_dir, "again");
        Assert.AreEqual(0, CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--class", "0,2", "--count", "3",
            "--steps", "5", "--cfg", "2", "--seed", "7", "--batch", "3", "--out", again).Code);
        foreach (var file in Directory.GetFiles(out_, "*.png", SearchOption.AllDirectories).Where(f => !f.EndsWith("grid.png")))
        {
            var other = Path.Combine(again, Path.GetRelativePath(out_, file));
            var a = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(file);
            var b = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(other);
            int differing = 0;
            for (int y = 0; y < a.Height; y++)
                for (int x = 0; x < a.Width; x++)
                    if (Math.Abs(a[x, y].R - b[x, y].R) > 1) differing++;
            Assert.AreEqual(0, differing, file);
        }
    }

    [TestMethod]
    public void A_list_of_settings_draws_one_set_each()
    {
        var (tokenizer, generator) = TrainBoth("flow");
        string out_ = Path.Combine(_dir, "sweep");
        var (code, output, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--count", "2", "--sampler", "euler,heun",
            "--steps", "3", "--cfg", "1,3", "--no-images", "--out", out_, "--evaluate", "synthetic:shapes?count=16&size=16", "--classifier", "fmnist", "--no-fd");
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "FD-clf");                               // the table of the four sets
        Assert.IsFalse(output.Contains("class_accuracy"), "shapes are not the classifier's classes: no class accuracy");
        Assert.AreEqual(4, Directory.GetDirectories(out_).Length);
        Assert.IsTrue(File.Exists(Path.Combine(out_, "heun-3-cfg3", "grid.png")));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "samples.json")));
        Assert.AreEqual(4, manifest.RootElement.GetArrayLength());
        Assert.IsTrue(manifest.RootElement[0].GetProperty("is").GetDouble() >= 1);
    }

    [TestMethod]
    public void Bad_generation_options_are_usage_errors_naming_the_option()
    {
        var (tokenizer, generator) = TrainBoth();
        var (code, _, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--class", "nosuch", "--out", _dir);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--class");
        StringAssert.Contains(err, "nosuch");

        (code, _, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--sampler", "heun", "--out", _dir);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "Heun");

        (code, _, err) = CliHarness.Run("generate", "--model", tokenizer, "--tokenizer", tokenizer, "--out", _dir);
        Assert.AreEqual(1, code);
        StringAssert.Contains(err, "not a ViTok generator");

        (code, _, err) = CliHarness.Run("train-generator", "--tokenizer", tokenizer, "--data", "synthetic:shapes?size=32", "--out", Path.Combine(_dir, "x"));
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--data");

        (code, _, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--classifier", "fmnist", "--out", _dir);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--evaluate");

        (code, _, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--clip-format", "gif", "--out", _dir);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--clip-format");
        StringAssert.Contains(err, "single images");

        foreach (var (interval, says) in new[] { ("0.7,0.3", "from <= to"), ("0,abc", "'abc' is not a number"), ("0.5", "FROM,TO"), ("0,1.5", "to <= 1") })
        {
            (code, _, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--guidance-interval", interval, "--out", _dir);
            Assert.AreEqual(2, code, interval);
            StringAssert.Contains(err, "--guidance-interval", interval);
            StringAssert.Contains(err, says, interval);
        }
    }
}
