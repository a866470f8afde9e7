using System.Diagnostics;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ViTok.Cli.Tests;

/// <summary>`vitok generate` with a generator of clips: a tiny video tokenizer (N-N/2x8, 4 frames of 16x16) and a tiny DiT on its latents of sprite clips.</summary>
[TestClass]
public sealed class GenerateClipsTests
{
    const string Sprites = "synthetic-video:sprites?count=16&frames=4&size=16";
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-genclips-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    (string Tokenizer, string Generator) TrainBoth()
    {
        string tok = Path.Combine(_dir, "tok");
        var (code, output, err) = CliHarness.Run("train", "--variant", "N-N/2x8", "-c", "4", "--image-size", "16", "--frames", "4", "--data", Sprites,
            "--out", tok, "--steps", "2", "--batch", "4", "--perceptual-weight", "0", "--no-fd", "--eval-items", "2", "--workers", "1");
        Assert.AreEqual(0, code, output + err);
        string gen = Path.Combine(_dir, "gen");
        (code, output, err) = CliHarness.Run("train-generator", "--tokenizer", Path.Combine(tok, "tokenizer.safetensors"), "--data", Sprites,
            "--out", gen, "--size", "N", "--steps", "2", "--batch", "4", "--workers", "1");
        Assert.AreEqual(0, code, output + err);
        return (Path.Combine(tok, "tokenizer.safetensors"), Path.Combine(gen, "generator.safetensors"));
    }

    [TestMethod]
    public void A_video_generator_writes_gif_and_mp4_clips_a_grid_clip_and_measures_them()
    {
        var (tokenizer, generator) = TrainBoth();
        string classifier = Path.Combine(_dir, "frames.safetensors");
        var (code, output, err) = CliHarness.Run("train-classifier", "--data", "synthetic-video:sprites?count=16&frames=1&size=16",
            "--test", "synthetic-video:sprites?count=8&frames=1&size=16&seed=9", "--out", classifier, "--epochs", "1", "--batch", "8", "--widths", "4,8", "--workers", "1");
        Assert.AreEqual(0, code, output + err);

        string out_ = Path.Combine(_dir, "samples");
        (code, output, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--class", "0,1", "--count", "2",
            "--steps", "3", "--clip-format", "both", "--out", out_,
            "--evaluate", "synthetic-video:sprites?count=4&frames=4&size=16&seed=5", "--classifier", classifier);
        Assert.AreEqual(0, code, output + err);

        var folders = Directory.GetDirectories(out_);
        Assert.AreEqual(2, folders.Length);
        foreach (var folder in folders)
        {
            CollectionAssert.AreEquivalent(new[] { "00000.gif", "00000.mp4", "00001.gif", "00001.mp4" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray());
            using var gif = Image.Load<Rgb24>(Path.Combine(folder, "00001.gif"));
            Assert.AreEqual(4, gif.Frames.Count);
            Assert.AreEqual(16 + 2 * 2, gif.Width);                                  // one 16-pixel clip and its 2-pixel border
            Assert.AreEqual((4, 16, 16), Probe(Path.Combine(folder, "00001.mp4")));
        }
        Assert.IsFalse(Directory.GetFiles(out_, "*.png", SearchOption.AllDirectories).Any(), "clips are not written as frame images");
        using (var grid = Image.Load<Rgb24>(Path.Combine(out_, "grid.gif")))
        {
            Assert.AreEqual(4, grid.Frames.Count);
            Assert.AreEqual(2 * (16 + 2) + 2, grid.Width);                          // two clips a row
            Assert.AreEqual(2 * (16 + 2) + 2, grid.Height);                         // a row per class
        }
        StringAssert.Contains(output, "FVD-proxy");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "samples.json")));
        Assert.IsTrue(manifest.RootElement.GetProperty("fvd_proxy").GetDouble() > 0);
        double accuracy = manifest.RootElement.GetProperty("class_accuracy").GetDouble();
        Assert.IsTrue(accuracy is >= 0 and <= 1, accuracy.ToString());

        // The tokenizer's own reconstruction FVD-proxy, to report beside the generator's.
        string rec = Path.Combine(_dir, "rec");
        (code, output, err) = CliHarness.Run("reconstruct", "--model", tokenizer, "--data", "synthetic-video:sprites?count=4&frames=4&size=16&seed=5", "--count", "4", "--out", rec);
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "FVD-proxy");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(rec, "metrics.json")));
        Assert.IsTrue(metrics.RootElement.GetProperty("fvd_proxy").GetDouble() > 0);
    }

    [TestMethod]
    public void Clip_options_are_checked_before_drawing()
    {
        var (tokenizer, generator) = TrainBoth();
        // MP4 without ffmpeg on PATH: a usage error naming the option, before anything is drawn.
        string out_ = Path.Combine(_dir, "no-ffmpeg");
        var (code, output) = VitokProcess.Run(["generate", "--model", generator, "--tokenizer", tokenizer, "--clip-format", "mp4", "--count", "1", "--steps", "2", "--out", out_],
            new Dictionary<string, string?> { ["PATH"] = _dir });
        Assert.AreEqual(2, code, output);
        StringAssert.Contains(output, "--clip-format mp4");
        StringAssert.Contains(output, "ffmpeg");
        Assert.IsFalse(Directory.Exists(out_) && Directory.EnumerateFileSystemEntries(out_).Any(), "nothing is drawn");

        // A reference of single images cannot be compared with clips.
        (code, _, var err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--count", "2", "--steps", "2", "--out", Path.Combine(_dir, "x"),
            "--evaluate", "synthetic:shapes?count=4&size=16", "--no-fd", "--classifier", "fmnist");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--evaluate");
    }

    /// <summary>Frame count, width and height of a video, read by ffprobe.</summary>
    static (int Frames, int Width, int Height) Probe(string path)
    {
        var psi = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames,width,height", "-of", "json", path])
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, process.StandardError.ReadToEnd());
        var stream = JsonDocument.Parse(json).RootElement.GetProperty("streams")[0];
        return (int.Parse(stream.GetProperty("nb_read_frames").GetString()!), stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32());
    }
}
