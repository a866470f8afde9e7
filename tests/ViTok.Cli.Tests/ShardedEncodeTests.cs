using System.Text.Json;
using DuckDB.NET.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Cli.Shards;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Tests;

/// <summary>
/// `vitok encode --shard`: shards written by separate worker processes, read back with DuckDB as one table, equal to
/// one shard's output item for item; a killed worker resumes; mismatched restarts, bad files and missing shards.
/// </summary>
[TestClass]
public sealed class ShardedEncodeTests
{
    const int Images = 30;
    string _dir = "", _model = "", _images = "";

    [TestInitialize]
    public void Init()
    {
        _dir = Directory.CreateTempSubdirectory("vitok-cli-shards-").FullName;
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.random.manual_seed(3);
        _model = Path.Combine(_dir, "t.safetensors");
        using (var m = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(m, _model);
        _images = Path.Combine(_dir, "images");
        var rng = new Random(7);
        for (int i = 0; i < Images; i++)
        {
            string path = Path.Combine(_images, i % 3 == 0 ? "cat" : "dog", $"img{i:D2}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var image = new Image<Rgb24>(16, 16);
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    image[x, y] = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
            image.SaveAsPng(path);
        }
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    string Data => $"folder:{_images}?labels=subfolders";

    string[] Encode(string output, params string[] extra) =>
        ["encode", "--model", _model, "--data", Data, "--out", output, "--threads", "1", .. extra];

    /// <summary>Every row of the dataset under <paramref name="folder"/>, read by DuckDB with the glob docs/scale-out.md gives, ordered by origin.</summary>
    static List<(string Origin, int Label, float[] Latent)> ReadWithDuckDb(string folder)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT Origin, Label, Latent FROM read_parquet('{folder}/*/*.parquet') ORDER BY Origin";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, int, float[])>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetFieldValue<List<float>>(2).ToArray()));
        return rows;
    }

    static void AssertSameRows(List<(string Origin, int Label, float[] Latent)> expected, List<(string Origin, int Label, float[] Latent)> actual)
    {
        Assert.AreEqual(expected.Count, actual.Count, "rows");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i].Origin, actual[i].Origin);
            Assert.AreEqual(expected[i].Label, actual[i].Label, expected[i].Origin);
            CollectionAssert.AreEqual(expected[i].Latent, actual[i].Latent, "latent of " + expected[i].Origin);   // bit for bit
        }
    }

    static ShardManifest Manifest(string output, string shard) =>
        ShardManifest.Load(Path.Combine(output, shard + ".parquet", ShardManifest.FileName));

    [TestMethod]
    public void One_shard_and_three_shards_in_separate_processes_hold_the_same_items_and_latents()
    {
        string one = Path.Combine(_dir, "one"), three = Path.Combine(_dir, "three");
        // The four workers run at once, as a scheduler would start them. Part sizes differ, so batches hold other items.
        var workers = new[]
        {
            VitokProcess.Start(Encode(one, "--shard", "0/1", "--batch", "5", "--items-per-part", "7")),
            VitokProcess.Start(Encode(three, "--shard", "0/3", "--batch", "5", "--items-per-part", "4")),
            VitokProcess.Start(Encode(three, "--shard", "1/3", "--batch", "5", "--items-per-part", "4")),
            VitokProcess.Start(Encode(three, "--shard", "2/3", "--batch", "5", "--items-per-part", "4")),
        };
        foreach (var (process, output) in workers)
            using (process)
            {
                var (code, text) = VitokProcess.Finish(process, output);
                Assert.AreEqual(0, code, text);
            }

        var reference = ReadWithDuckDb(one);
        Assert.AreEqual(Images, reference.Count);
        Assert.AreEqual(Images, reference.Select(r => r.Origin).Distinct().Count());
        Assert.AreEqual(Images / 3, reference.Count(r => r.Label == 0));   // cat
        Assert.AreEqual(16, reference[0].Latent.Length);                   // 2x2 tokens x c=4
        AssertSameRows(reference, ReadWithDuckDb(three));

        // Each shard holds the items SHA-256 assigns it.
        var source = new ImageFolderSource(_images);
        for (int k = 0; k < 3; k++)
        {
            var m = Manifest(three, $"part-{k}-of-3");
            Assert.IsTrue(m.Complete);
            Assert.AreEqual(ShardAssignment.Items(source, k, 3).Indices.Length, m.ShardItems);
            Assert.AreEqual((int)Math.Ceiling(m.ShardItems / 4.0), m.Parts.Count);
        }

        // The same latents as the unsharded `vitok encode --out x.parquet` (its 30 items make 6 full batches of 5).
        string single = Path.Combine(_dir, "single.parquet");
        var (c, o, e) = CliHarness.Run(Encode(single, "--batch", "5"));
        Assert.AreEqual(0, c, o + e);
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT Origin, Latent FROM read_parquet('{single}') ORDER BY Origin";
            using var reader = command.ExecuteReader();
            int i = 0;
            for (; reader.Read(); i++)
            {
                Assert.AreEqual(reference[i].Origin, reader.GetString(0));
                CollectionAssert.AreEqual(reference[i].Latent, reader.GetFieldValue<List<float>>(1).ToArray(), reference[i].Origin);
            }
            Assert.AreEqual(Images, i);
        }

        (c, o, e) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(0, c, o + e);
        StringAssert.Contains(o, "3 of 3 shard(s)");
        StringAssert.Contains(o, $"items     {Images} done: {Images} rows, 0 skipped");
        StringAssert.Contains(o, "complete and consistent");
    }

    [TestMethod]
    public void A_killed_worker_restarted_with_the_same_arguments_resumes_after_its_last_committed_part()
    {
        string one = Path.Combine(_dir, "one"), three = Path.Combine(_dir, "three");
        var (c, o, e) = CliHarness.Run(Encode(one, "--shard", "0/1", "--batch", "2"));
        Assert.AreEqual(0, c, o + e);

        // Shard 1 of 3, K from the environment as a Kubernetes Indexed Job gives it; the test-only pause keeps the
        // worker asleep after each committed part, so it is killed between commits with work left.
        string[] args = Encode(three, "--shard-count", "3", "--shard-index-from", "TEST_SHARD_INDEX", "--batch", "2", "--items-per-part", "3");
        var (process, output) = VitokProcess.Start(args, new Dictionary<string, string?> { ["TEST_SHARD_INDEX"] = "1", [ShardedEncoding.TestPauseVariable] = "600000" });
        string shard = Path.Combine(three, "part-1-of-3.parquet");
        string manifestPath = Path.Combine(shard, ShardManifest.FileName);
        using (process)
        {
            while (!(File.Exists(manifestPath) && ShardManifest.Load(manifestPath).Parts.Count >= 1))
            {
                if (process.WaitForExit(200)) Assert.Fail("the worker ended before it was killed: " + output);
            }
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        var killed = ShardManifest.Load(manifestPath);
        Assert.IsFalse(killed.Complete);
        Assert.AreEqual(1, killed.Parts.Count);
        Assert.IsTrue(killed.ShardItems > 3, "the shard must have work left after its first part");
        string firstPart = Path.Combine(shard, killed.Parts[0].File!);
        byte[] firstBytes = File.ReadAllBytes(firstPart);
        var firstWritten = File.GetLastWriteTimeUtc(firstPart);
        // What a kill during the next commit would leave: a hidden partial file and a renamed part not yet listed.
        File.WriteAllText(Path.Combine(shard, ".group-00001.parquet.partial"), "half");
        File.WriteAllText(Path.Combine(shard, "group-00001.parquet"), "not listed");

        var (code, text) = VitokProcess.Run(args, new Dictionary<string, string?> { ["TEST_SHARD_INDEX"] = "1" });
        Assert.AreEqual(0, code, text);
        StringAssert.Contains(text, $"resuming at item 3 of {killed.ShardItems} (1 part(s) committed)");
        var done = ShardManifest.Load(manifestPath);
        Assert.IsTrue(done.Complete);
        Assert.AreEqual(2, done.Runs);
        Assert.AreEqual(killed.ShardItems, done.ItemsDone);
        CollectionAssert.AreEqual(Enumerable.Range(0, done.Parts.Count).Select(p => p.ToString("D5")).ToArray(),
            done.Parts.Select(p => p.File![6..11]).ToArray());
        Assert.AreEqual(firstWritten, File.GetLastWriteTimeUtc(firstPart), "the committed part was not rewritten");
        CollectionAssert.AreEqual(firstBytes, File.ReadAllBytes(firstPart));
        Assert.IsFalse(File.Exists(Path.Combine(shard, ".group-00001.parquet.partial")));

        // Shard 1's rows: exactly the reference's rows of its items, each once.
        var shardRows = ReadWithDuckDb(three);
        var expected = ReadWithDuckDb(one).Where(r => ShardAssignment.Of(Path.GetRelativePath(_images, r.Origin).Replace('\\', '/'), 3) == 1).ToList();
        Assert.AreEqual(killed.ShardItems, expected.Count);
        AssertSameRows(expected, shardRows);

        // Run again: complete, nothing to do, nothing rewritten.
        (c, o, e) = CliHarness.Run(Encode(three, "--shard", "1/3", "--batch", "2", "--items-per-part", "3"));
        Assert.AreEqual(0, c, o + e);
        StringAssert.Contains(o, "already complete");
        Assert.AreEqual(firstWritten, File.GetLastWriteTimeUtc(firstPart));
    }

    [TestMethod]
    public void A_restart_with_other_options_is_refused_naming_them_and_the_summary_finds_missing_shards()
    {
        string three = Path.Combine(_dir, "three");
        var (c, o, e) = CliHarness.Run(Encode(three, "--shard", "0/3", "--items-per-part", "4"));
        Assert.AreEqual(0, c, o + e);

        (c, _, e) = CliHarness.Run(Encode(three, "--shard", "0/3", "--items-per-part", "5"));
        Assert.AreEqual(2, c, e);
        StringAssert.Contains(e, "ItemsPerPart: 4 -> 5");
        (c, _, e) = CliHarness.Run(Encode(three, "--shard", "0/3", "--items-per-part", "4", "--bf16"));
        Assert.AreEqual(2, c, e);
        StringAssert.Contains(e, "Precision: float32 -> bfloat16");

        (c, o, _) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(1, c, o);
        StringAssert.Contains(o, "missing shard(s) of 3: 1, 2");

        // A shard written with another model cannot join the set.
        string other = Path.Combine(_dir, "other.safetensors");
        TorchSharp.torch.random.manual_seed(4);
        using (var m = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(m, other);
        foreach (string k in new[] { "1/3", "2/3" })
        {
            (c, o, e) = CliHarness.Run(["encode", "--model", k == "1/3" ? _model : other, "--data", Data, "--out", three, "--threads", "1", "--shard", k, "--items-per-part", "4"]);
            Assert.AreEqual(0, c, o + e);
        }
        (c, o, _) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(1, c, o);
        StringAssert.Contains(o, "part-2-of-3 differs from part-0-of-3: ModelSha256:");
    }

    [TestMethod]
    public void Unreadable_files_of_a_list_stop_the_shard_or_are_skipped_with_their_reasons()
    {
        var files = Directory.GetFiles(_images, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(6).ToList();
        File.WriteAllText(Path.Combine(_images, "zz-broken.png"), "not a png");
        string list = Path.Combine(_dir, "list.csv");
        File.WriteAllLines(list, ["path,note", .. files.Select(f => Path.GetRelativePath(_dir, f) + ",ok"), "images/zz-broken.png,bad", "images/zz-gone.png,missing"]);
        string output = Path.Combine(_dir, "listed");
        string[] args = ["encode", "--model", _model, "--data", $"list:{list}", "--out", output, "--shard", "0/1", "--items-per-part", "3", "--threads", "1"];

        var (c, o, e) = CliHarness.Run(args);
        Assert.AreEqual(1, c, o + e);
        StringAssert.Contains(e, "zz-broken.png: not a recognised image format");
        StringAssert.Contains(e, "--skip-bad-files");
        Assert.AreEqual(2, Manifest(output, "part-0-of-1").Parts.Count, "the parts before the bad file are kept");

        (c, o, e) = CliHarness.Run([.. args, "--skip-bad-files"]);
        Assert.AreEqual(0, c, o + e);
        var m = Manifest(output, "part-0-of-1");
        Assert.IsTrue(m.Complete);
        Assert.AreEqual(8, m.ItemsDone);
        Assert.AreEqual(6, m.Rows);
        CollectionAssert.AreEqual(new[] { Path.Combine(_images, "zz-broken.png"), Path.Combine(_images, "zz-gone.png") }, m.Skipped.Select(s => s.Origin).ToArray());
        StringAssert.Contains(m.Skipped[1].Reason, "could not be read");
        Assert.AreEqual(6, ReadWithDuckDb(output).Count);
        (c, o, _) = CliHarness.Run("encode-summary", output);
        Assert.AreEqual(0, c, o);
        StringAssert.Contains(o, "8 done: 6 rows, 2 skipped");

        File.Delete(Path.Combine(output, "part-0-of-1.parquet", m.Parts[0].File!));
        (c, o, _) = CliHarness.Run("encode-summary", output);
        Assert.AreEqual(1, c, o);
        StringAssert.Contains(o, "part-0-of-1: group-00000.parquet is missing");
    }

    [TestMethod]
    public void Shard_options_are_checked_before_any_work()
    {
        string output = Path.Combine(_dir, "out");
        (int, string) Fail(params string[] extra)
        {
            var (c, _, e) = CliHarness.Run(Encode(output, extra));
            return (c, e);
        }
        var (code, err) = Fail("--shard", "3/3");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--shard: shard 3 is outside 0..2");
        (code, err) = Fail("--shard", "1-3");
        StringAssert.Contains(err, "--shard: '1-3' is not K/N");
        (code, err) = Fail("--shard-count", "3", "--shard-index-from", "VITOK_TEST_SURELY_UNSET_VARIABLE");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "environment variable 'VITOK_TEST_SURELY_UNSET_VARIABLE' is not set");
        (code, err) = Fail("--shard-count", "3");
        StringAssert.Contains(err, "--shard-count: needs --shard-index-from");
        (code, err) = Fail("--shard", "0/2", "--sample");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--sample:");
        (code, err) = Fail("--items-per-part", "5");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--items-per-part: applies to sharded encoding only");
        Assert.IsFalse(Directory.Exists(output));

        // One worker per shard: a shard folder held by another worker is refused.
        string shard = Path.Combine(output, "part-0-of-2.parquet");
        Directory.CreateDirectory(shard);
        using (new FileStream(Path.Combine(shard, ViTok.Models.Training.RunFolderLock.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            (code, err) = Fail("--shard", "0/2");
            Assert.AreEqual(1, code);
            StringAssert.Contains(err, "is in use by another run");
        }
        Assert.IsFalse(File.Exists(Path.Combine(shard, ShardManifest.FileName)));
    }

    // ---- issue 25: part checksums ---------------------------------------------------------------------------------

    /// <summary>Encodes all three shards in this process (batch 2, 4 items a part); returns the output folder.</summary>
    string EncodeThree(string name)
    {
        string three = Path.Combine(_dir, name);
        foreach (string k in new[] { "0/3", "1/3", "2/3" })
        {
            var (c, o, e) = CliHarness.Run(Encode(three, "--shard", k, "--batch", "2", "--items-per-part", "4"));
            Assert.AreEqual(0, c, o + e);
        }
        return three;
    }

    static string Part(string output, int shard, int part) => Path.Combine(output, $"part-{shard}-of-3.parquet", $"group-{part:D5}.parquet");

    [TestMethod]
    public void A_changed_part_is_named_by_the_summary_and_encoded_again_at_restart()
    {
        string three = EncodeThree("three");
        foreach (var m in new[] { 0, 1, 2 }.Select(k => Manifest(three, $"part-{k}-of-3")))
            Assert.IsTrue(m.Parts.Where(p => p.File is not null).All(p => p.Sha256 is { Length: 64 }), "every part has its checksum");
        var (c, o, e) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(0, c, o + e);
        StringAssert.Contains(o, "complete and consistent");
        var reference = ReadWithDuckDb(three);

        // A byte flipped in the middle of one part, another cut in half, a third replaced by another shard's part.
        string flipped = Part(three, 0, 0), cut = Part(three, 1, 1), replaced = Part(three, 2, 0);
        byte[] bytes = File.ReadAllBytes(flipped);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(flipped, bytes);
        bytes = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        File.Copy(Part(three, 1, 0), replaced, overwrite: true);

        (c, o, e) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(1, c, o + e);
        foreach (string path in new[] { flipped, cut, replaced }) StringAssert.Contains(o, path + " does not match its checksum");
        Assert.IsFalse(o.Contains("complete and consistent"), o);

        // A restart of each shard (complete or not) encodes its damaged part again, saying so; then all is as before.
        foreach (var (k, path) in new[] { ("0/3", flipped), ("1/3", cut), ("2/3", replaced) })
        {
            (c, o, e) = CliHarness.Run(Encode(three, "--shard", k, "--batch", "2", "--items-per-part", "4"));
            Assert.AreEqual(0, c, o + e);
            StringAssert.Contains(o, path + " does not match its checksum");
            StringAssert.Contains(o, "re-encoding its 4 items");
        }
        (c, o, e) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(0, c, o + e);
        StringAssert.Contains(o, "complete and consistent");
        AssertSameRows(reference, ReadWithDuckDb(three));
    }

    [TestMethod]
    public void Without_checksums_the_summary_says_so_and_still_finds_unreadable_parts_and_items_in_two_shards()
    {
        string three = EncodeThree("three");
        // Manifests as written before parts had checksums.
        foreach (int k in new[] { 0, 1, 2 })
        {
            string path = Path.Combine(three, $"part-{k}-of-3.parquet", ShardManifest.FileName);
            var m = ShardManifest.Load(path);
            m.Parts = [.. m.Parts.Select(p => p with { Sha256 = null })];
            m.Save(path);
        }
        var (c, o, e) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(0, c, o + e);
        StringAssert.Contains(o, "have no checksum");
        StringAssert.Contains(o, "not verified");

        // A truncated part: a problem naming the file (it was a raw Parquet exception naming none).
        string cut = Part(three, 1, 0);
        byte[] saved = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, saved[..(saved.Length / 2)]);
        (c, o, e) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(1, c, o + e);
        StringAssert.Contains(o, cut + " cannot be read as Parquet");
        File.WriteAllBytes(cut, saved);

        // A part replaced by another shard's part of as many rows: its items are then in two shards.
        var first = Manifest(three, "part-0-of-3").Parts[0];
        var second = Manifest(three, "part-2-of-3").Parts[0];
        Assert.AreEqual(first.Rows, second.Rows, "two full parts");
        File.Copy(Part(three, 0, 0), Part(three, 2, 0), overwrite: true);
        (c, o, e) = CliHarness.Run("encode-summary", three);
        Assert.AreEqual(1, c, o + e);
        StringAssert.Contains(o, "item(s) are in more than one shard");
        StringAssert.Contains(o, Part(three, 2, 0));

        // A restart checks parts without a checksum by their row counts: the cut part is encoded again.
        File.WriteAllBytes(cut, saved[..(saved.Length / 2)]);
        (c, o, e) = CliHarness.Run(Encode(three, "--shard", "1/3", "--batch", "2", "--items-per-part", "4"));
        Assert.AreEqual(0, c, o + e);
        StringAssert.Contains(o, cut + " cannot be read as Parquet");
        Assert.IsNotNull(Manifest(three, "part-1-of-3").Parts[0].Sha256, "the part encoded again has its checksum");
    }
}
