using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Cli.Verbs;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Tests;

/// <summary>
/// Issue 12, the command line's bad input: unreadable images skipped or named (--skip-bad-files on every verb that reads
/// images), a disk that fills up during encode, history rows on resume, --eval-items 0, file names that are not UTF-8
/// and --out naming a file.
/// </summary>
[TestClass]
public sealed class BadInputTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-bad-").FullName;

    [TestCleanup]
    public void Cleanup()
    {
        if (OperatingSystem.IsLinux()) Shell("rm -rf \"$1\"", _dir);      // .NET cannot delete a name that is not UTF-8
        else Directory.Delete(_dir, recursive: true);
    }

    static void Shell(string command, params string[] args)
    {
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command, "sh", .. args]) { RedirectStandardError = true })!;
        shell.WaitForExit();
        Assert.AreEqual(0, shell.ExitCode, shell.StandardError.ReadToEnd());
    }

    /// <summary>A folder of <paramref name="count"/> 16x16 images img000.png..., each a different flat colour.</summary>
    string Images(string name, int count) => TestFiles.Images(_dir, name, count);

    /// <summary>Turns <paramref name="path"/> into a file that is not an image.</summary>
    static string Spoil(string path)
    {
        File.WriteAllText(path, "this is not a PNG");
        return path;
    }

    string Tokenizer() => TestFiles.Tokenizer(_dir);

    /// <summary>A two-step training run; <paramref name="extra"/> may repeat an option to change it (the last value counts).</summary>
    static string[] Train(string run, string data, params string[] extra)
    {
        var options = new Dictionary<string, string?>
        {
            ["--variant"] = "N-N/8", ["-c"] = "4", ["--image-size"] = "16", ["--data"] = data, ["--out"] = run, ["--steps"] = "2", ["--log-every"] = "1",
            ["--batch"] = "8", ["--lr"] = "2e-3", ["--perceptual-weight"] = "0", ["--no-fd"] = null, ["--eval-items"] = "8", ["--eval-every"] = "2",
            ["--checkpoint-every"] = "2", ["--workers"] = "1",
        };
        for (int i = 0; i < extra.Length; i++)
            options[extra[i]] = i + 1 < extra.Length && !extra[i + 1].StartsWith("--", StringComparison.Ordinal) ? extra[++i] : null;
        return ["train", .. options.SelectMany(o => o.Value is null ? new[] { o.Key } : [o.Key, o.Value])];
    }

    // ---- 1. --skip-bad-files ------------------------------------------------------------------------------------

    [TestMethod]
    public void Reconstruct_stops_at_a_bad_file_naming_it_or_skips_it_with_the_option()
    {
        string model = Tokenizer();
        string data = Images("data", 6);
        string bad = Spoil(Path.Combine(data, "img002.png"));
        string[] args = ["reconstruct", "--model", model, "--data", "folder:" + data, "--count", "6", "--save", "2", "--no-fd", "--json"];

        var (code, output, err) = CliHarness.Run([.. args, "--out", Path.Combine(_dir, "r1")]);
        Assert.AreEqual(1, code, output + err);
        StringAssert.Contains(err, bad);
        StringAssert.Contains(err, "--skip-bad-files");
        Assert.IsFalse(Directory.Exists(Path.Combine(_dir, "r1")), "nothing written before the data is read");

        (code, output, err) = CliHarness.Run([.. args, "--out", Path.Combine(_dir, "r2"), "--skip-bad-files"]);
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(err, "1 unreadable file(s) skipped");
        StringAssert.Contains(err, bad);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "r2", "metrics.json")));
        Assert.AreEqual(5, json.RootElement.GetProperty("count").GetInt32());
        Assert.AreEqual(bad, json.RootElement.GetProperty("skipped")[0].GetString());
    }

    [TestMethod]
    public void Encode_stops_at_a_bad_file_naming_it_or_skips_it_with_the_option()
    {
        string model = Tokenizer();
        string data = Images("data", 6);
        string bad = Spoil(Path.Combine(data, "img004.png"));
        string output = Path.Combine(_dir, "latents.idv");
        string[] args = ["encode", "--model", model, "--data", "folder:" + data, "--out", output, "--batch", "4"];

        var (code, text, err) = CliHarness.Run(args);
        Assert.AreEqual(1, code, text + err);
        StringAssert.Contains(err, bad);
        Assert.IsFalse(File.Exists(output));
        Assert.IsEmpty(Directory.GetFiles(_dir, "latents.idv*"), "no temporary file is left");

        (code, text, err) = CliHarness.Run([.. args, "--skip-bad-files"]);
        Assert.AreEqual(0, code, text + err);
        StringAssert.Contains(text, "1 unreadable file(s) skipped");
        StringAssert.Contains(text, bad);
        StringAssert.Contains(text, "wrote 5 rows");
        var origins = new MLContext().Data.LoadFromBinary(output).GetColumn<string>("Origin").ToArray();
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 5 }.Select(i => Path.Combine(data, $"img{i:D3}.png")).ToArray(), origins);
    }

    [TestMethod]
    public void Metrics_stops_at_a_bad_file_naming_it_or_skips_its_pair_with_the_option()
    {
        string reference = Images("ref", 4), candidate = Images("cand", 4);
        string bad = Spoil(Path.Combine(candidate, "img001.png"));
        string[] args = ["metrics", "--reference", reference, "--candidate", candidate, "--json"];

        var (code, output, err) = CliHarness.Run(args);
        Assert.AreEqual(1, code, output + err);
        StringAssert.Contains(err, bad);
        StringAssert.Contains(err, "--skip-bad-files");

        (code, output, err) = CliHarness.Run([.. args, "--skip-bad-files"]);
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(err, "1 unreadable file(s) skipped");
        using var json = JsonDocument.Parse(output);
        Assert.AreEqual(3, json.RootElement.GetProperty("pairs").GetInt32());
        Assert.AreEqual(bad, json.RootElement.GetProperty("skipped")[0].GetString());
    }

    [TestMethod]
    public void Train_skips_a_bad_first_held_out_item_with_the_option_and_names_it_without()
    {
        string data = Images("data", 100);
        var source = new ImageFolderSource(data);
        var (_, held) = HoldOutSplit.Split(source, 0.02, seed: 0);      // the split `vitok train` makes (seed 0)
        Assert.AreEqual(2, held.Count);
        string bad = Spoil(source.Files[held.Indices[0]]);

        var (code, output, err) = CliHarness.Run(Train(Path.Combine(_dir, "run1"), "folder:" + data));
        Assert.AreEqual(1, code, output + err);
        StringAssert.Contains(err, bad);
        StringAssert.Contains(err, "--skip-bad-files");
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "run1", "history.jsonl")), "stopped before training");

        (code, output, err) = CliHarness.Run(Train(Path.Combine(_dir, "run2"), "folder:" + data, "--skip-bad-files"));
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "evaluating on 1 clips");
        StringAssert.Contains(output, "1 unreadable file(s) skipped");
        StringAssert.Contains(output, bad);
    }

    [TestMethod]
    public void The_skip_report_names_the_first_few_files_and_counts_the_rest()
    {
        var o = new StringWriter();
        SkippedFiles.Report(o, [.. Enumerable.Range(0, 8).Select(i => $"f{i}.png")]);
        var lines = o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("8 unreadable file(s) skipped:", lines[0]);
        Assert.AreEqual(1 + SkippedFiles.Named + 1, lines.Length);
        Assert.AreEqual("  and 3 more", lines[^1]);
    }

    // ---- 2. a full disk during encode ---------------------------------------------------------------------------

    /// <summary>
    /// A temporary file on a disk that fills up: the first 4 KiB are written to the file, anything past them goes to
    /// /dev/full, whose writes the kernel fails with ENOSPC ("No space left on device"). Seekable, as ML.NET's binary writer needs.
    /// </summary>
    sealed class FillingDisk(string temp) : Stream
    {
        const int Room = 4096;
        readonly FileStream _file = new(temp, FileMode.CreateNew, FileAccess.ReadWrite);
        readonly FileStream _full = new("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int fits = (int)Math.Clamp(Room - _file.Position, 0, buffer.Length);
            _file.Write(buffer[..fits]);
            _file.Flush();
            if (fits < buffer.Length) _full.Write(buffer[fits..]);
        }

        public override void Flush() => _file.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => _file.Length;
        public override long Position { get => _file.Position; set => _file.Position = value; }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);
        public override void SetLength(long value) => _file.SetLength(value);

        protected override void Dispose(bool disposing)
        {
            if (disposing) { _file.Dispose(); _full.Dispose(); }
            base.Dispose(disposing);
        }
    }

    [TestMethod]
    public void A_disk_that_fills_up_during_encode_names_the_output_and_the_cause_and_keeps_the_previous_file()
    {
        if (!File.Exists("/dev/full"))
        {
            // Every Linux has /dev/full; without it the full-disk case would go untested, so that fails here.
            if (OperatingSystem.IsLinux()) Assert.Fail("/dev/full is missing: the full-disk case cannot be tested on this machine.");
            Assert.Inconclusive("needs /dev/full (Linux)");
        }
        string model = Tokenizer();
        string output = Path.Combine(_dir, "latents.idv");
        File.WriteAllText(output, "the previous latents");
        var temps = new List<string>();
        var verb = new EncodeVerb { OpenOutput = temp => { temps.Add(temp); return new FillingDisk(temp); } };
        var o = new StringWriter();
        var e = new StringWriter();

        int code = VitokApp.Run(["encode", "--model", model, "--data", "synthetic:shapes?count=64&size=16", "--out", output, "--batch", "16"], o, e, [verb]);

        Assert.AreEqual(VitokApp.Failure, code, o.ToString() + e);
        StringAssert.Contains(e.ToString(), $"Writing '{output}' failed");
        StringAssert.Contains(e.ToString(), "No space left on device");
        Assert.AreEqual("the previous latents", File.ReadAllText(output));
        Assert.HasCount(1, temps);
        Assert.IsFalse(File.Exists(temps[0]), "the temporary file was removed");
        CollectionAssert.AreEqual(new[] { output }, Directory.GetFiles(_dir, "latents.idv*"));
    }

    // ---- 3. history.jsonl on resume ------------------------------------------------------------------------------

    [TestMethod]
    public void Resuming_after_a_stop_between_checkpoints_logs_each_step_once()
    {
        string run = Path.Combine(_dir, "run");
        string[] Args(int steps, params string[] extra) =>
        [
            "train", "--variant", "N-N/8", "-c", "4", "--image-size", "16", "--data", "synthetic:shapes?count=64&size=16",
            "--out", run, "--steps", steps.ToString(), "--log-every", "1", "--batch", "8", "--lr", "2e-3", "--perceptual-weight", "0", "--no-fd",
            "--eval-items", "8", "--eval-every", "100", "--checkpoint-every", "2", "--workers", "1", .. extra,
        ];
        var (code, output, err) = CliHarness.Run(Args(5));
        Assert.AreEqual(0, code, output + err);
        // As if the run had died after logging step 5 but before its checkpoint: the newest checkpoint is step 4's.
        File.Delete(Path.Combine(run, "checkpoint-00000005.safetensors"));
        File.Delete(Path.Combine(run, "tokenizer.safetensors"));

        (code, output, err) = CliHarness.Run(Args(6, "--resume"));
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "at step 4");
        StringAssert.Contains(output, "history.jsonl: dropped 1 line(s) written after step 4");
        var steps = File.ReadAllLines(Path.Combine(run, "history.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()).ToArray();
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4, 5, 6 }, steps);
    }

    [TestMethod]
    public void Resuming_after_an_image_was_replaced_or_renamed_is_refused_naming_the_data_change()
    {
        string folder = Images("photos", 12);
        string run = Path.Combine(_dir, "run");
        string[] Args(int steps, params string[] extra) =>
        [
            "train", "--variant", "N-N/8", "-c", "4", "--image-size", "16", "--data", $"folder:{folder}", "--eval-items", "2",
            "--out", run, "--steps", steps.ToString(), "--log-every", "1", "--batch", "4", "--perceptual-weight", "0", "--no-fd",
            "--eval-every", "100", "--checkpoint-every", "1", "--workers", "1", .. extra,
        ];
        var (code, output, err) = CliHarness.Run(Args(2));
        Assert.AreEqual(0, code, output + err);
        (code, output, err) = CliHarness.Run(Args(3, "--resume"));                // the same files: resumes
        Assert.AreEqual(0, code, output + err);

        // Another image's content under the same name.
        string victim = Path.Combine(folder, "img005.png");
        File.Copy(Path.Combine(folder, "img006.png"), victim, overwrite: true);
        (code, output, err) = CliHarness.Run(Args(4, "--resume"));
        Assert.AreNotEqual(0, code, output + err);
        StringAssert.Contains(err, "data '");
        StringAssert.Contains(err, "files ");

        // Accepted with --force-options; then a rename is seen the same way.
        (code, output, err) = CliHarness.Run(Args(4, "--resume", "--force-options"));
        Assert.AreEqual(0, code, output + err);
        File.Move(Path.Combine(folder, "img007.png"), Path.Combine(folder, "img007b.png"));
        (code, output, err) = CliHarness.Run(Args(5, "--resume"));
        Assert.AreNotEqual(0, code, output + err);
        StringAssert.Contains(err, "data '");
    }

    // ---- 4. --eval-items 0 ---------------------------------------------------------------------------------------

    [TestMethod]
    public void Eval_items_zero_trains_without_evaluation_and_a_negative_count_is_refused()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, err) = CliHarness.Run(Train(run, "synthetic:shapes?count=64&size=16", "--eval-items", "0"));
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "no evaluation (--eval-items 0)");
        Assert.IsFalse(File.ReadAllText(Path.Combine(run, "history.jsonl")).Contains("eval_"), "no evaluation row");
        Assert.IsTrue(File.Exists(Path.Combine(run, "tokenizer.safetensors")));

        (code, _, err) = CliHarness.Run(Train(Path.Combine(_dir, "run2"), "synthetic:shapes?count=64&size=16", "--eval-items", "-1"));
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--eval-items");

        (code, _, err) = CliHarness.Run(Train(Path.Combine(_dir, "run3"), "synthetic:shapes?count=64&size=16", "--eval-items", "0", "--eval-data", "synthetic"));
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--eval-data");
    }

    // ---- 5. file names that are not UTF-8 ------------------------------------------------------------------------

    /// <summary>Copies <paramref name="source"/> to <paramref name="folder"/>/caf&lt;0xE9&gt;.png: a Latin-1 name, not valid UTF-8.</summary>
    static void Latin1Copy(string source, string folder) => Shell("cp \"$1\" \"$2/$(printf 'caf\\351.png')\"", source, folder);

    [TestMethod]
    public void A_file_name_that_is_not_utf8_is_refused_naming_it_escaped_or_skipped_with_the_option()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("raw byte file names are a Linux matter");
        string model = Tokenizer();
        string data = Images("data", 4);
        Latin1Copy(Path.Combine(data, "img000.png"), data);
        Assert.AreEqual(5, Directory.GetFiles(data).Length);
        string escaped = Path.Combine(data, "caf\\xE9.png");
        string[] args = ["reconstruct", "--model", model, "--data", "folder:" + data, "--count", "8", "--save", "0", "--no-fd"];

        var (code, output, err) = CliHarness.Run([.. args, "--out", Path.Combine(_dir, "r1")]);
        Assert.AreEqual(1, code, output + err);
        StringAssert.Contains(err, "--data");
        StringAssert.Contains(err, escaped);
        StringAssert.Contains(err, "not valid UTF-8");

        (code, output, err) = CliHarness.Run([.. args, "--out", Path.Combine(_dir, "r2"), "--skip-bad-files"]);
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "on 4 items");
        StringAssert.Contains(output, "1 unreadable file(s) skipped");
        StringAssert.Contains(output, escaped);

        // metrics lists folders another way (ImageFiles.List): the same refusal, and the same skip.
        string other = Images("other", 4);
        Latin1Copy(Path.Combine(other, "img000.png"), other);
        (code, output, err) = CliHarness.Run("metrics", "--reference", data, "--candidate", other, "--json");
        Assert.AreEqual(1, code, output + err);
        StringAssert.Contains(err, escaped);
        (code, output, err) = CliHarness.Run("metrics", "--reference", data, "--candidate", other, "--json", "--skip-bad-files");
        Assert.AreEqual(0, code, output + err);
        using var json = JsonDocument.Parse(output);
        Assert.AreEqual(4, json.RootElement.GetProperty("pairs").GetInt32());
        Assert.AreEqual(2, json.RootElement.GetProperty("skipped").GetArrayLength());
    }

    // ---- 6. --out naming a file ----------------------------------------------------------------------------------

    [TestMethod]
    public void Out_naming_a_file_or_a_folder_of_the_wrong_kind_is_refused_before_anything_is_read()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "keep me");
        string missing = Path.Combine(_dir, "no-such-thing");
        string under = Path.Combine(file, "run");
        foreach (string[] args in new[]
                 {
                     new[] { "train", "--variant", "N-N/8", "--image-size", "16", "--data", "folder:" + missing, "--out", file },
                     ["train", "--variant", "N-N/8", "--image-size", "16", "--data", "folder:" + missing, "--out", under],
                     ["reconstruct", "--model", missing, "--data", "folder:" + missing, "--out", file],
                     ["generate", "--model", missing, "--tokenizer", missing, "--out", file],
                     ["train-generator", "--tokenizer", missing, "--data", "folder:" + missing, "--out", file],
                     ["encode", "--model", missing, "--data", "folder:" + missing, "--out", _dir],
                     ["train-classifier", "--data", "folder:" + missing, "--test", "folder:" + missing, "--out", _dir],
                 })
        {
            var (code, output, err) = CliHarness.Run(args);
            Assert.AreEqual(2, code, $"{string.Join(' ', args)}: {output}{err}");
            StringAssert.Contains(err, "--out", string.Join(' ', args));
            Assert.IsFalse(err.Contains(missing), $"{args[0]}: refused before reading anything else: {err}");
        }
        Assert.AreEqual("keep me", File.ReadAllText(file));
    }
}
