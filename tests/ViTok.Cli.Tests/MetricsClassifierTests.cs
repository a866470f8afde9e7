using System.Text.Json;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using static TorchSharp.torch;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class MetricsClassifierTests
{
    string _root = "";

    [TestInitialize]
    public void Init()
    {
        ViTok.Models.Runtime.TorchRuntime.EnsureLoaded();
        random.manual_seed(8);
        _root = Directory.CreateTempSubdirectory("vitok-metrics-classifier-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    string Dir(string name)
    {
        string path = Path.Combine(_root, name);
        Directory.CreateDirectory(path);
        return path;
    }

    static readonly string[] Classes = ["T-shirt/top", "Trouser", "Bag"];

    /// <summary>An untrained classifier of the three classes at 16x16, saved.</summary>
    string Classifier()
    {
        string path = Path.Combine(_root, "three.safetensors");
        using var model = new ImageClassifier(new ImageClassifierConfig { ImageSize = 16, Widths = [4, 8], ClassNames = Classes });
        ImageClassifierFile.Save(model, path);
        return path;
    }

    /// <summary>Random 16x16 images under folder/sub/name.png; the same names (and images plus noise) in both folders.</summary>
    static void Write(string folder, string? sub, int count, string prefix, float noise = 0, string? twin = null)
    {
        using var scope = NewDisposeScope();
        for (int i = 0; i < count; i++)
        {
            var image = rand(3, 16, 16) * 2 - 1;
            string name = $"{prefix}{i}.png";
            string dir = sub is null ? folder : Path.Combine(folder, sub);
            Directory.CreateDirectory(dir);
            ImageFiles.Save(image, Path.Combine(dir, name));
            if (twin is not null)
            {
                string twinDir = sub is null ? twin : Path.Combine(twin, sub);
                Directory.CreateDirectory(twinDir);
                ImageFiles.Save((image + randn(3, 16, 16) * noise).clamp(-1, 1), Path.Combine(twinDir, name));
            }
        }
    }

    /// <summary>What the classifier file says about every image under a class folder, computed here independently.</summary>
    static (int Correct, int Count) Expected(string classifierPath, string candidate)
    {
        using var model = ImageClassifierFile.Load(classifierPath);
        int correct = 0, count = 0;
        foreach (string sub in Directory.GetDirectories(candidate))
        {
            int label = ClassFolders.Resolve(Path.GetFileName(sub), Classes)!.Value;
            foreach (string file in Directory.GetFiles(sub))
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var image = ImageFiles.Load(file).unsqueeze(0);
                if (model.Logits(image).argmax(1).item<long>() == label) correct++;
                count++;
            }
        }
        return (correct, count);
    }

    [TestMethod]
    public void Class_folders_pair_by_relative_path_and_give_is_fd_and_class_accuracy()
    {
        string reference = Dir("ref"), candidate = Dir("cand"), classifier = Classifier();
        // The same file names in different class folders must not collide.
        Write(reference, "T-shirt_top", 5, "img", 0.1f, candidate);
        Write(reference, "1", 4, "img", 0.1f, candidate);
        Write(reference, "bag", 3, "img", 0.1f, candidate);

        var (code, output, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", classifier, "--json", "--threads", "1");
        Assert.AreEqual(0, code, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.AreEqual(12, root.GetProperty("pairs").GetInt32());
        Assert.IsTrue(root.GetProperty("paired").GetBoolean());
        Assert.IsTrue(root.GetProperty("psnr").GetDouble() is > 10 and < 40);
        Assert.AreEqual("1/img0.png", root.GetProperty("images")[0].GetProperty("name").GetString());
        var c = root.GetProperty("classifier");
        Assert.AreEqual("IS-three", c.GetProperty("is_label").GetString());
        Assert.AreEqual(10, c.GetProperty("is_splits").GetInt32());
        double inception = c.GetProperty("is").GetDouble();
        Assert.IsTrue(inception is >= 1 and <= 3, $"IS {inception}");
        Assert.AreEqual("FD-three", c.GetProperty("fd_label").GetString());
        Assert.IsGreaterThanOrEqualTo(0.0, c.GetProperty("fd").GetDouble());

        var (correct, count) = Expected(classifier, candidate);
        Assert.AreEqual(12, count);
        Assert.AreEqual((double)correct / count, c.GetProperty("class_accuracy").GetDouble(), 1e-12);
        var perClass = c.GetProperty("per_class");
        Assert.AreEqual(3, perClass.GetArrayLength());
        Assert.AreEqual("T-shirt/top", perClass[0].GetProperty("name").GetString());
        Assert.AreEqual(5, perClass[0].GetProperty("requested").GetInt32());
        Assert.AreEqual(4, perClass[1].GetProperty("requested").GetInt32());
        Assert.AreEqual(correct, Enumerable.Range(0, 3).Sum(i => perClass[i].GetProperty("correct").GetInt32()));
        Assert.AreEqual(12, Enumerable.Range(0, 3).Sum(i => perClass[i].GetProperty("predicted").GetInt32()));

        var (textCode, text, _) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", classifier, "--threads", "1");
        Assert.AreEqual(0, textCode);
        StringAssert.Contains(text, "IS-three");
        StringAssert.Contains(text, "FD-three");
        StringAssert.Contains(text, $"class accuracy ");
        StringAssert.Contains(text, $"({correct}/12 classified as their folder's class)");
    }

    [TestMethod]
    public void Unpaired_sets_give_set_metrics_and_no_psnr()
    {
        string reference = Dir("real"), candidate = Dir("generated"), classifier = Classifier();
        Write(reference, null, 6, "real");
        Write(candidate, "0", 3, "gen");
        Write(candidate, "2", 4, "gen");
        var (code, output, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", classifier, "--unpaired", "--json");
        Assert.AreEqual(0, code, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.IsFalse(root.GetProperty("paired").GetBoolean());
        Assert.AreEqual(JsonValueKind.Null, root.GetProperty("psnr").ValueKind);
        Assert.AreEqual(6, root.GetProperty("reference_images").GetInt32());
        Assert.AreEqual(7, root.GetProperty("candidate_images").GetInt32());
        Assert.IsGreaterThan(0, root.GetProperty("fd").GetDouble(), "FD-ResNet18 works on unpaired sets");
        var c = root.GetProperty("classifier");
        Assert.AreEqual(7, c.GetProperty("is_splits").GetInt32(), "splits are capped at the number of candidates");
        var (correct, _) = Expected(classifier, candidate);
        Assert.AreEqual(correct / 7.0, c.GetProperty("class_accuracy").GetDouble(), 1e-12);

        // Without class folders there is no class accuracy, and the note says why.
        string flat = Dir("flat");
        Write(flat, null, 3, "gen");
        (code, output, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", flat, "--classifier", classifier, "--unpaired", "--json");
        Assert.AreEqual(0, code, err);
        using var flatDoc = JsonDocument.Parse(output);
        var fc = flatDoc.RootElement.GetProperty("classifier");
        Assert.AreEqual(JsonValueKind.Null, fc.GetProperty("class_accuracy").ValueKind);
        StringAssert.Contains(fc.GetProperty("class_accuracy_note").GetString(), "no class sub-folders");

        // A folder that names no class is named.
        Write(candidate, "shoes", 1, "gen");
        (code, output, _) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", classifier, "--unpaired");
        Assert.AreEqual(0, code);
        StringAssert.Contains(output, "'shoes'");
    }

    [TestMethod]
    public void Without_the_new_options_output_and_pairing_are_unchanged()
    {
        string reference = Dir("ref"), candidate = Dir("cand");
        Write(reference, null, 3, "img", 0.1f, candidate);
        Write(reference, "sub", 2, "extra");          // ignored without --classifier or --unpaired, as before
        var (code, output, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--json");
        Assert.AreEqual(0, code, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.AreEqual(3, root.GetProperty("pairs").GetInt32());
        Assert.IsFalse(root.TryGetProperty("classifier", out _));
        Assert.IsFalse(root.TryGetProperty("paired", out _));

        // With --classifier the sub-folder counts, so the folders no longer pair and the error names the files.
        (code, _, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", Classifier());
        Assert.AreEqual(1, code);
        StringAssert.Contains(err, "sub/extra0.png");
    }

    [TestMethod]
    public void Bad_classifier_files_are_named()
    {
        string reference = Dir("ref"), candidate = Dir("cand");
        Write(reference, null, 2, "img", 0.1f, candidate);
        string missing = Path.Combine(_root, "missing.safetensors");
        var (code, _, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", missing);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--classifier");
        StringAssert.Contains(err, missing);

        string garbage = Path.Combine(_root, "garbage.safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3, 4]);
        (code, _, err) = CliHarness.Run("metrics", "--reference", reference, "--candidate", candidate, "--classifier", garbage);
        Assert.AreEqual(1, code);
        StringAssert.Contains(err, garbage);
    }
}
