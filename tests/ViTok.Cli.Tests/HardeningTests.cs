using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using ViTok.Models.Clips;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;

namespace ViTok.Cli.Tests;

/// <summary>
/// Issue 25: --threads that is not an integer, training into a folder that holds a run, a lock file that is a link,
/// special files in data folders, checksum on bad files, bad generate/encode options and shard part checksums.
/// </summary>
[TestClass]
public sealed class HardeningTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-hard-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    // ---- 1. --threads that is not an integer -------------------------------------------------------------------

    [TestMethod]
    public void Threads_that_is_not_an_integer_is_a_usage_error_naming_the_option_on_every_verb()
    {
        string[] verbs = ["info", "bench", "metrics", "train", "train-generator", "train-classifier", "reconstruct", "generate", "encode", "demo"];
        foreach (string verb in verbs)
            foreach (string value in new[] { "abc", "1.5", "", "99999999999" })
            {
                var (code, output, err) = CliHarness.Run(verb, "--threads", value);
                Assert.AreEqual(2, code, $"{verb} --threads '{value}': {output}{err}");
                StringAssert.Contains(err, "--threads", $"{verb} --threads '{value}'");
            }
    }

    // ---- 2. a new run into a folder that holds one -------------------------------------------------------------

    static string[] Train(string run, params string[] extra) =>
    [
        "train", "--variant", "N-N/8", "-c", "4", "--image-size", "16", "--data", "synthetic:shapes?count=64&size=16", "--out", run,
        "--steps", "2", "--log-every", "1", "--batch", "8", "--lr", "2e-3", "--perceptual-weight", "0", "--no-fd", "--eval-items", "8",
        "--eval-every", "2", "--checkpoint-every", "2", "--workers", "1", .. extra,
    ];

    /// <summary>Every file of a folder and its bytes, to show nothing changed.</summary>
    static Dictionary<string, string> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(File.ReadAllBytes(f)));

    static void AssertUnchanged(Dictionary<string, string> before, string folder, string what)
    {
        var after = Snapshot(folder);
        CollectionAssert.AreEquivalent(before.Keys.ToList(), after.Keys.ToList(), what);
        foreach (var (name, bytes) in before) Assert.AreEqual(bytes, after[name], $"{what}: {name} changed");
    }

    [TestMethod]
    public void A_new_run_into_a_folder_holding_a_run_is_refused_before_anything_is_written()
    {
        string run = Path.Combine(_dir, "r");
        var (code, output, err) = CliHarness.Run(Train(run));
        Assert.AreEqual(0, code, output + err);
        Assert.IsTrue(File.Exists(Path.Combine(run, "tokenizer.safetensors")));
        var finished = Snapshot(run);

        // A finished run, trained again without --resume (it used to exit 0, replace the model and append to the history).
        (code, output, err) = CliHarness.Run(Train(run, "--seed", "7"));
        Assert.AreEqual(2, code, output + err);
        StringAssert.Contains(err, "--out");
        StringAssert.Contains(err, "--resume");
        AssertUnchanged(finished, run, "finished run");

        // A killed run: history.jsonl and a checkpoint, no model.
        File.Delete(Path.Combine(run, "tokenizer.safetensors"));
        var killed = Snapshot(run);
        (code, output, err) = CliHarness.Run(Train(run));
        Assert.AreEqual(2, code, output + err);
        StringAssert.Contains(err, "--out");
        AssertUnchanged(killed, run, "killed run");
        // ... which --resume continues.
        (code, output, err) = CliHarness.Run(Train(run, "--resume"));
        Assert.AreEqual(0, code, output + err);
        Assert.IsTrue(File.Exists(Path.Combine(run, "tokenizer.safetensors")));

        // train-generator: refused from the run's files alone, before the tokenizer or the data is read.
        string gen = Path.Combine(_dir, "g");
        Directory.CreateDirectory(gen);
        foreach (string name in new[] { "history.jsonl", "generator.safetensors" })
        {
            File.WriteAllText(Path.Combine(gen, name), "an earlier run's " + name);
            var before = Snapshot(gen);
            (code, output, err) = CliHarness.Run("train-generator", "--tokenizer", Path.Combine(_dir, "no-such.safetensors"), "--data", "synthetic:shapes?count=16&size=16", "--out", gen);
            Assert.AreEqual(2, code, output + err);
            StringAssert.Contains(err, "--out");
            StringAssert.Contains(err, name);
            AssertUnchanged(before, gen, "generator run");
        }
        // A fresh folder and one holding only other files are still trained into.
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "mine");
        (code, output, err) = CliHarness.Run(Train(_dir));
        Assert.AreEqual(0, code, output + err);
        Assert.AreEqual("mine", File.ReadAllText(Path.Combine(_dir, "notes.txt")));
    }

    /// <summary>A sweep plan of one tiny run: a one-step N-N/8 tokenizer, evaluated on 12 shapes.</summary>
    string TinyPlan()
    {
        string plan = Path.Combine(_dir, "plan.json");
        File.WriteAllText(plan, """
            { "name": "tiny", "threads": 1,
              "stages": { "train": { "--data": "synthetic:shapes?count=32&size=16", "--image-size": 16, "--steps": 1, "--batch": 8,
                                     "--perceptual-weight": 0, "--no-fd": true, "--eval-items": 4, "--workers": 1 },
                          "evaluate": { "--data": "synthetic:shapes?count=12&size=16", "--count": 12, "--no-fd": true } },
              "runs": [ { "name": "c4", "findings": [1], "train": { "--variant": "N-N/8", "--channels": 4 } } ] }
            """);
        return plan;
    }

    [TestMethod]
    public void A_sweep_stage_stopped_before_its_first_checkpoint_is_moved_aside_and_run_again()
    {
        string work = Path.Combine(_dir, "work");
        string stage = Path.Combine(work, "c4", "train");
        Directory.CreateDirectory(stage);
        File.WriteAllText(Path.Combine(stage, "history.jsonl"), "{\"step\":1}\n");     // killed after logging, before a checkpoint
        var (code, output, err) = CliHarness.Run("sweep", "--plan", TinyPlan(), "--results", Path.Combine(_dir, "results.jsonl"), "--work", work);
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "stopped before its first checkpoint");
        Assert.AreEqual("{\"step\":1}\n", File.ReadAllText(Path.Combine(stage + ".interrupted", "history.jsonl")), "kept, moved aside");
        Assert.IsTrue(File.Exists(Path.Combine(stage, "tokenizer.safetensors")));
    }

    // ---- 3. a run lock that is a symbolic link -------------------------------------------------------------------

    [TestMethod]
    public void A_run_lock_that_is_a_link_is_refused_naming_it_and_its_target_is_left_intact()
    {
        string victim = Path.Combine(_dir, "victim.txt");
        File.WriteAllText(victim, "precious");

        // train: `ln -s victim r/.run.lock`, then train into r (the target was truncated and given the holder line).
        string run = Path.Combine(_dir, "r");
        Directory.CreateDirectory(run);
        string link = Path.Combine(run, ViTok.Models.Training.RunFolderLock.FileName);
        File.CreateSymbolicLink(link, victim);
        var (code, output, err) = CliHarness.Run(Train(run));
        Assert.AreEqual(1, code, output + err);
        StringAssert.Contains(err, link);
        StringAssert.Contains(err, "symbolic link");
        Assert.AreEqual("precious", File.ReadAllText(victim));
        Assert.IsFalse(File.Exists(Path.Combine(run, "history.jsonl")));

        // sweep: its --work folder's lock.
        string work = Path.Combine(_dir, "work");
        Directory.CreateDirectory(work);
        File.CreateSymbolicLink(Path.Combine(work, ViTok.Models.Training.RunFolderLock.FileName), victim);
        string plan = TinyPlan();
        (code, output, err) = CliHarness.Run("sweep", "--plan", plan, "--results", Path.Combine(_dir, "results.jsonl"), "--work", work);
        Assert.AreEqual(2, code, output + err);
        StringAssert.Contains(err, "symbolic link");
        Assert.AreEqual("precious", File.ReadAllText(victim));

        // A shard folder's lock (the same class), and a dangling link, whose target must not be created.
        string shard = Path.Combine(_dir, "part-0-of-2.parquet");
        Directory.CreateDirectory(shard);
        string missing = Path.Combine(_dir, "not-there");
        File.CreateSymbolicLink(Path.Combine(shard, ViTok.Models.Training.RunFolderLock.FileName), missing);
        var e = Assert.Throws<IOException>(() => ViTok.Models.Training.RunFolderLock.Acquire(shard));
        StringAssert.Contains(e.Message, "symbolic link");
        Assert.IsFalse(File.Exists(missing));

        // An ordinary lock left by a dead run is still taken over.
        string plain = Path.Combine(_dir, "plain");
        Directory.CreateDirectory(plain);
        File.WriteAllText(Path.Combine(plain, ViTok.Models.Training.RunFolderLock.FileName), "pid 1 on gone");
        using (ViTok.Models.Training.RunFolderLock.Acquire(plain)) { }
        StringAssert.Contains(File.ReadAllText(Path.Combine(plain, ViTok.Models.Training.RunFolderLock.FileName)), $"pid {Environment.ProcessId}");
    }

    // ---- 4. special files in a data folder -----------------------------------------------------------------------

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    static extern int MakeFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    /// <summary>
    /// Runs <paramref name="action"/> with a time limit: a reader blocked on <paramref name="fifo"/> is released (its
    /// write end opened and closed) and the test fails instead of hanging.
    /// </summary>
    static T Within<T>(string fifo, Func<T> action, int seconds = 120)
    {
        var task = Task.Run(action);
        if (task.Wait(TimeSpan.FromSeconds(seconds))) return task.Result;
        using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }     // EOF for the blocked reader
        task.Wait(TimeSpan.FromSeconds(30));
        Assert.Fail($"blocked for more than {seconds} s on the FIFO {fifo}");
        return default!;
    }

    [TestMethod]
    public void Special_files_in_a_data_folder_are_refused_naming_them_or_skipped_and_never_block()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("FIFOs and /dev/zero: Linux");
        string data = TestFiles.Images(_dir, "data", 6);
        string fifo = Path.Combine(data, "x.png");
        Assert.AreEqual(0, MakeFifo(fifo, Convert.ToUInt32("644", 8)), $"mkfifo: errno {Marshal.GetLastPInvokeError()}");
        string zero = Path.Combine(data, "z.png");
        File.CreateSymbolicLink(zero, "/dev/zero");

        // The one place files are opened (the folder source and ImageFiles.Load go through it): refused before opening.
        foreach (string path in new[] { fifo, zero })
        {
            var e = Within(fifo, () => Assert.Throws<BadItemException>(() => ImageFolderSource.Decode(path)));
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "not a regular file");
            var load = Within(fifo, () => Assert.Throws<InvalidDataException>(() => ImageFiles.Load(path)));
            StringAssert.Contains(load.Message, path);
        }
        StringAssert.Contains(Within(fifo, () => Assert.Throws<BadItemException>(() => ImageFolderSource.Decode(zero))).Message, "character device");

        // A regular file larger than the byte limit that follows the pixel limit (sparse: no disk used), refused before reading.
        string big = Path.Combine(_dir, "big.png");
        using (var f = new FileStream(big, FileMode.CreateNew)) f.SetLength(ImageFolderOptions.MaxFileBytes(1000) + 1);
        var tooBig = Assert.Throws<BadItemException>(() => ImageFolderSource.Decode(big, maxPixels: 1000));
        StringAssert.Contains(tooBig.Message, big);
        StringAssert.Contains(tooBig.Message, "bytes exceeds the limit");

        // The command line: stops naming one of them, or skips both with --skip-bad-files.
        string model = TestFiles.Tokenizer(_dir);
        string[] args = ["reconstruct", "--model", model, "--data", "folder:" + data, "--count", "8", "--save", "0", "--no-fd", "--json"];
        var (code, output, err) = Within(fifo, () => CliHarness.Run([.. args, "--out", Path.Combine(_dir, "r1")]));
        Assert.AreEqual(1, code, output + err);
        Assert.IsTrue(err.Contains(fifo) || err.Contains(zero), err);
        StringAssert.Contains(err, "not a regular file");

        (code, output, err) = Within(fifo, () => CliHarness.Run([.. args, "--out", Path.Combine(_dir, "r2"), "--skip-bad-files"]));
        Assert.AreEqual(0, code, output + err);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "r2", "metrics.json")));
        Assert.AreEqual(6, json.RootElement.GetProperty("count").GetInt32());
        CollectionAssert.AreEquivalent(new[] { fifo, zero }, json.RootElement.GetProperty("skipped").EnumerateArray().Select(x => x.GetString()).ToArray());
    }

    // ---- 5. vitok checksum on damaged files and links ------------------------------------------------------------

    /// <summary>Makes <paramref name="path"/> a file written before checksums: its checksum field blanked (JSON whitespace).</summary>
    static void Unstamp(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, length);
        var field = System.Text.RegularExpressions.Regex.Match(header, "\"vitok.sha256\":\"[0-9a-f]{64}\",");
        Assert.IsTrue(field.Success, header);
        System.Text.Encoding.UTF8.GetBytes(header.Replace(field.Value, new string(' ', field.Length))).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Overwrites the data of the largest floating-point tensor of <paramref name="path"/> with <paramref name="fill"/>; returns its name.</summary>
    static string Spoil(string path, Action<byte[]> fill)
    {
        var file = SafeTensorsFile.Open(path);
        var entry = file.Entries.Values.Where(e => e.DType == TorchSharp.torch.ScalarType.Float32).MaxBy(e => e.End - e.Begin)!;
        byte[] bytes = File.ReadAllBytes(path);
        long dataStart = 8 + (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var data = new byte[entry.End - entry.Begin];
        Array.Copy(bytes, dataStart + entry.Begin, data, 0, data.Length);
        fill(data);
        Array.Copy(data, 0, bytes, dataStart + entry.Begin, data.Length);
        File.WriteAllBytes(path, bytes);
        return entry.Name;
    }

    [TestMethod]
    public void Checksum_refuses_nan_random_and_misfitting_weights_naming_them_and_writes_through_a_link()
    {
        string good = TestFiles.Tokenizer(_dir);
        string folder = Path.Combine(_dir, "files");
        Directory.CreateDirectory(folder);
        string Copy(string name)
        {
            string path = Path.Combine(folder, name);
            File.Copy(good, path);
            Unstamp(path);
            return path;
        }

        // NaN in one weight, and random bytes over a weight (written before checksums, so nothing else notices).
        string nan = Copy("nan.safetensors");
        string nanTensor = Spoil(nan, data => BitConverter.GetBytes(float.NaN).CopyTo(data, 4));
        string random = Copy("random.safetensors");
        string randomTensor = Spoil(random, data => new Random(5).NextBytes(data));
        foreach (var (path, tensor) in new[] { (nan, nanTensor), (random, randomTensor) })
        {
            byte[] before = File.ReadAllBytes(path);
            var (code, output, err) = CliHarness.Run("checksum", path);
            Assert.AreEqual(1, code, output + err);
            StringAssert.Contains(err, path);
            StringAssert.Contains(err, $"tensor '{tensor}'");
            StringAssert.Contains(err, "NaN or infinite");
            CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "not stamped");
        }

        // Weights that do not fit the model their metadata names (a tokenizer of 8 channels holding one of 4).
        string misfit = Path.Combine(folder, "misfit.safetensors");
        using (var model = TokenizerFile.Load(good))
            ModuleWeights.Save(model, misfit, new Dictionary<string, string>
            {
                [TokenizerFile.KindKey] = TokenizerFile.Kind, ["format"] = "pt",
                [TokenizerFile.ConfigKey] = ViTokConfig.FromVariant("N-N/8", channels: 8, imageSize: 16).ToJson(),
            });
        Unstamp(misfit);
        byte[] misfitBytes = File.ReadAllBytes(misfit);
        var (c, o, e) = CliHarness.Run("checksum", misfit);
        Assert.AreEqual(1, c, o + e);
        StringAssert.Contains(e, misfit);
        CollectionAssert.AreEqual(misfitBytes, File.ReadAllBytes(misfit), "not stamped");

        // A link: its target is stamped, the link stays a link.
        string target = Copy("target.safetensors");
        string link = Path.Combine(_dir, "link.safetensors");
        File.CreateSymbolicLink(link, target);
        (c, o, e) = CliHarness.Run("checksum", link);
        Assert.AreEqual(0, c, o + e);
        StringAssert.Contains(o, "checksum added");
        Assert.AreEqual(target, new FileInfo(link).LinkTarget, "the link is kept");
        Assert.IsTrue(SafeTensorsFile.Open(target).Metadata.ContainsKey(SafeTensorsFile.ChecksumKey), "the target is stamped");
        (c, o, e) = CliHarness.Run("checksum", link, good);
        Assert.AreEqual(0, c, o + e);
        Assert.AreEqual(2, o.Split("checksum verified").Length - 1, o);
    }

    // ---- 6. generate --cfg, --class and an empty --out -----------------------------------------------------------

    [TestMethod]
    public void Guidance_out_of_range_an_empty_class_and_an_empty_out_are_usage_errors_naming_the_option()
    {
        // Stand-ins: the options are checked before these are read.
        string model = Path.Combine(_dir, "g.safetensors"), tokenizer = Path.Combine(_dir, "t.safetensors");
        File.WriteAllText(model, "not read");
        File.WriteAllText(tokenizer, "not read");
        string[] generate = ["generate", "--model", model, "--tokenizer", tokenizer, "--out", Path.Combine(_dir, "out")];
        foreach (string cfg in new[] { "1e30", "-1", "NaN", "Infinity", "100.5", "4,1e30" })
        {
            var (code, output, err) = CliHarness.Run([.. generate, "--cfg", cfg]);
            Assert.AreEqual(2, code, $"--cfg {cfg}: {output}{err}");
            StringAssert.Contains(err, "--cfg", cfg);
        }
        foreach (string cls in new[] { "", " , " })
        {
            var (code, output, err) = CliHarness.Run([.. generate, "--class", cls]);
            Assert.AreEqual(2, code, $"--class '{cls}': {output}{err}");
            StringAssert.Contains(err, "--class");
        }
        Assert.IsFalse(Directory.Exists(Path.Combine(_dir, "out")));

        foreach (string[] args in new[]
                 {
                     new[] { "encode", "--model", tokenizer, "--data", "synthetic", "--out", "" },
                     ["encode", "--model", tokenizer, "--data", "synthetic", "--out", " "],
                     ["generate", "--model", model, "--tokenizer", tokenizer, "--out", ""],
                     ["reconstruct", "--model", tokenizer, "--data", "synthetic", "--out", ""],
                     ["train", "--variant", "N-N/8", "--data", "synthetic", "--out", ""],
                 })
        {
            var (code, output, err) = CliHarness.Run(args);
            Assert.AreEqual(2, code, $"{string.Join(' ', args)}: {output}{err}");
            StringAssert.Contains(err, "--out", string.Join(' ', args));
            Assert.IsFalse(err.Contains("Parameter 'path'"), err);
        }
    }
}
