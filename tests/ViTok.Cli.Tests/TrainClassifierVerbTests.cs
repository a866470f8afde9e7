using ViTok.Models.Clips;
using ViTok.Models.Metrics;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class TrainClassifierVerbTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-classifier-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    const string Train = "synthetic:shapes?count=48&size=16", Test = "synthetic:shapes?count=16&size=16&seed=1";

    [TestMethod]
    public void Trains_saves_and_reports_test_accuracy()
    {
        string output = Path.Combine(_dir, "shapes.safetensors");
        var (code, text, err) = CliHarness.Run("train-classifier", "--data", Train, "--test", Test, "--epochs", "2", "--batch", "16",
            "--widths", "4,8", "--image-size", "16", "--out", output, "--threads", "1", "--log-every", "2");
        Assert.AreEqual(0, code, text + err);
        StringAssert.Contains(text, "step 6/6");
        StringAssert.Contains(text, "eval at step 3: test_accuracy");
        StringAssert.Contains(text, "test accuracy ");
        StringAssert.Contains(text, "/16) on synthetic shapes (16 images");
        StringAssert.Contains(text, "wrote " + output);
        using var model = ImageClassifierFile.Load(output);
        Assert.AreEqual(8, model.Config.Classes);
        CollectionAssert.AreEqual(ShapeKinds.Names.ToArray(), model.Config.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 4, 8 }, model.Config.Widths.ToArray());
    }

    [TestMethod]
    public void Bad_options_are_usage_errors_naming_the_option()
    {
        string output = Path.Combine(_dir, "c.safetensors");
        string images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(images);
        string twoClasses = Path.Combine(_dir, "two"), oneClass = Path.Combine(_dir, "one", "only");
        Directory.CreateDirectory(oneClass);
        using (TorchSharp.torch.NewDisposeScope())
            for (int i = 0; i < 2; i++)
            {
                ImageFiles.Save(TorchSharp.torch.zeros(3, 16, 16), Path.Combine(images, $"{i}.png"));
                string sub = Path.Combine(twoClasses, i == 0 ? "cats" : "dogs");
                Directory.CreateDirectory(sub);
                ImageFiles.Save(TorchSharp.torch.zeros(3, 16, 16), Path.Combine(sub, "x.png"));
                ImageFiles.Save(TorchSharp.torch.zeros(3, 16, 16), Path.Combine(oneClass, $"{i}.png"));
            }

        void Usage(string option, string fragment, params string[] args)
        {
            var (code, text, err) = CliHarness.Run(["train-classifier", .. args]);
            Assert.AreEqual(2, code, $"{string.Join(" ", args)}: {text}{err}");
            StringAssert.Contains(err, option);
            StringAssert.Contains(err, fragment);
            Assert.IsFalse(File.Exists(output), "nothing may be written on a usage error");
        }

        Usage("--data", "no class labels", "--data", $"folder:{images}", "--test", Test, "--out", output);
        Usage("--test", "no class labels", "--data", Train, "--test", $"folder:{images}", "--out", output);
        Usage("--data", "does not exist", "--data", $"fashion-mnist:{Path.Combine(_dir, "missing")}", "--test", Test, "--out", output);
        Usage("--data", "does not exist", "--data", $"folder:{Path.Combine(_dir, "missing")}", "--test", Test, "--out", output);
        Usage("--test", "unknown scheme", "--data", Train, "--test", "imagenet", "--out", output);
        Usage("--test", "has the classes [cats, dogs]", "--data", Train, "--test", $"folder:{twoClasses}?labels=subfolders", "--out", output);
        Usage("--data", "only one class", "--data", $"folder:{Path.Combine(_dir, "one")}?labels=subfolders", "--test", Test, "--out", output);
        Usage("--epochs", "at least 1", "--data", Train, "--test", Test, "--out", output, "--epochs", "0");
        Usage("--lr", "positive", "--data", Train, "--test", Test, "--out", output, "--lr", "-1");
        Usage("--widths", "32,x", "--data", Train, "--test", Test, "--out", output, "--widths", "32,x");
        Usage("--out", "is a folder", "--data", Train, "--test", Test, "--out", _dir);
        Usage("--test", "required", "--data", Train, "--out", output);
    }
}
