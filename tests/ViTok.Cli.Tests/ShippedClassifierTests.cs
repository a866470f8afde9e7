using System.Text.Json;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using static TorchSharp.torch;

namespace ViTok.Cli.Tests;

/// <summary>The shipped Fashion-MNIST classifier (models/fmnist-classifier.safetensors), on the bundled test sample.</summary>
[TestClass]
public sealed class ShippedClassifierTests
{
    string _root = "";

    [TestInitialize]
    public void Init()
    {
        ViTok.Models.Runtime.TorchRuntime.EnsureLoaded();
        _root = Directory.CreateTempSubdirectory("vitok-shipped-classifier-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    string Dir(string name)
    {
        string path = Path.Combine(_root, name);
        Directory.CreateDirectory(path);
        return path;
    }

    [TestMethod]
    public void The_shipped_classifier_file_describes_the_ten_classes()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "models", "fmnist-classifier.safetensors");
        Assert.IsLessThan(2L << 20, new FileInfo(path).Length);
        var config = ImageClassifierFile.ReadConfig(path);
        CollectionAssert.AreEqual(FashionMnistSource.Classes.ToArray(), config.ClassNames.ToArray());
        Assert.AreEqual(32, config.ImageSize);
        StringAssert.Contains(ImageClassifierFile.ReadMetadata(path)["test.accuracy"], "\"count\":10000");
    }

    [TestMethod]
    public void The_shipped_fashion_mnist_classifier_recognises_the_bundled_samples()
    {
        var source = new FashionMnistSource(new FashionMnistOptions { Directory = Path.Combine(AppContext.BaseDirectory, "samples", "fashion-mnist"), Split = FashionMnistSplit.Test });
        string reference = Dir("real"), candidate = Dir("by-class");
        var perClass = new int[10];
        using (NewDisposeScope())
            for (int i = 0; i < source.Count && perClass.Min() < 4; i++)
            {
                var clip = source.Read(i, new Random(0));
                using var image = tensor(clip.Pixels, [3, clip.Height, clip.Width]);
                if (perClass[clip.Label] < 4)
                {
                    string dir = Path.Combine(candidate, ClassFolders.FolderName(clip.Label, FashionMnistSource.Classes));
                    Directory.CreateDirectory(dir);
                    ImageFiles.Save(image, Path.Combine(dir, $"{i}.png"));
                    perClass[clip.Label]++;
                }
                else ImageFiles.Save(image, Path.Combine(reference, $"{i}.png"));
            }
        var (code, output, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", "fmnist", "--unpaired", "--json", "--threads", "1");
        Assert.AreEqual(0, code, err);
        using var doc = JsonDocument.Parse(output);
        var c = doc.RootElement.GetProperty("classifier");
        Assert.AreEqual("IS-fmnist-classifier", c.GetProperty("is_label").GetString());
        Assert.AreEqual(40, c.GetProperty("per_class").EnumerateArray().Sum(p => p.GetProperty("requested").GetInt32()));
        Assert.IsGreaterThanOrEqualTo(0.8, c.GetProperty("class_accuracy").GetDouble(), output);
        // 10 splits of 4 images drawn from a fixed permutation: diverse splits although the files are ordered by class.
        Assert.IsGreaterThan(2.0, c.GetProperty("is").GetDouble(), output);
    }
}
