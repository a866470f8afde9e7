using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Cli.Shards;

/// <summary>What one shard worker is asked to do.</summary>
public sealed record ShardedEncodingOptions
{
    public required string OutputFolder { get; init; }
    public required ShardSpec Shard { get; init; }
    /// <summary>The SOURCE text (part of the shard's identity) and the source it opened.</summary>
    public required string SourceText { get; init; }
    public required IClipSource Source { get; init; }
    public required string ModelPath { get; init; }
    public required ViTokConfig Config { get; init; }
    public required int Batch { get; init; }
    public required bool BFloat16 { get; init; }
    public required bool SkipBadFiles { get; init; }
    public required ComputeOptions Compute { get; init; }
    public int ItemsPerPart { get; init; } = ShardedEncoding.Defaults.ItemsPerPart;
}

/// <summary>
/// One shard worker of `vitok encode --shard K/N`: encodes the shard's items (<see cref="ShardAssignment"/>) into
/// OUT/part-K-of-N.parquet/, a folder of Parquet files of <see cref="ShardedEncodingOptions.ItemsPerPart"/> items each
/// (Origin, Label, Latent as LIST&lt;float&gt;, the shape in the file metadata: the columns `vitok encode --out x.parquet`
/// writes), and its <see cref="ShardManifest"/>. A part is written under a hidden name, renamed, then listed in the
/// manifest (rewritten atomically): a killed worker leaves at most one unlisted part, which its restart deletes and
/// redoes, so no item is lost or written twice. Each part's SHA-256 is listed with it; a restart checks every listed
/// part (a part without a checksum, from an older manifest, by its Parquet row count) and re-encodes a damaged one in
/// place, saying so. A complete shard whose parts check out is left as it is. One worker per shard
/// (<see cref="RunFolderLock"/> on the shard's folder).
/// </summary>
public static class ShardedEncoding
{
    public static class Defaults
    {
        /// <summary>Items per committed part: about 16 MB of latents at 256 tokens x 16 channels.</summary>
        public const int ItemsPerPart = 1024;
    }

    /// <summary>
    /// Test-only: milliseconds to sleep after each committed part, so a test can kill a worker between commits.
    /// Not an option for users.
    /// </summary>
    public const string TestPauseVariable = "VITOK_TEST_PAUSE_AFTER_PART_MS";

    const string PartPrefix = "group-";

    /// <summary>Runs the shard; returns the manifest as left on disk.</summary>
    public static ShardManifest Run(ShardedEncodingOptions o, TextWriter log)
    {
        if (o.Batch < 1) throw new ArgumentOutOfRangeException(nameof(o), o.Batch, "Batch must be at least 1.");
        if (o.ItemsPerPart < 1) throw new ArgumentOutOfRangeException(nameof(o), o.ItemsPerPart, "ItemsPerPart must be at least 1.");
        string folder = Path.Combine(Path.GetFullPath(o.OutputFolder), o.Shard.Name + ".parquet");
        if (File.Exists(folder)) throw new IOException($"'{folder}' is a file; shard {o.Shard.Name} writes a folder of that name.");

        var (indices, keys) = ShardAssignment.Items(o.Source, o.Shard.Index, o.Shard.Count);
        var identity = new ShardIdentity(o.SourceText, o.Source.Count, FileSha256(o.ModelPath), o.Config.Variant,
            o.Config.Tokens, o.Config.Channels, o.BFloat16 ? "bfloat16" : "float32", nameof(LatentKind.Mean), o.ItemsPerPart, o.Batch);
        string keysHash = Sha256(Encoding.UTF8.GetBytes(string.Join('\n', keys)));

        using var held = RunFolderLock.Acquire(folder);
        string manifestPath = Path.Combine(folder, ShardManifest.FileName);
        var manifest = OpenManifest(folder, manifestPath, o, identity, indices.Length, keysHash);
        var damaged = DamagedParts(folder, manifest);
        if (manifest.Complete && damaged.Count == 0)
        {
            log.WriteLine($"{o.Shard.Name}: already complete ({manifest.Rows} rows, {manifest.Skipped.Count} skipped) in {folder}; nothing to do.");
            return manifest;
        }
        RemoveUnlisted(folder, manifest);
        int next = manifest.ItemsDone;
        manifest.Runs++;
        var device = TorchRuntime.Resolve(o.Compute);
        manifest.LastRun = $"device {device}, threads {(o.Compute.Threads > 0 ? o.Compute.Threads : "auto")}, pid {Environment.ProcessId} on {Environment.MachineName}";
        manifest.Save(manifestPath);
        log.WriteLine(next == 0
            ? $"{o.Shard.Name}: {indices.Length} of {o.Source.Count} items of {o.Source.Description}, with {o.Config.Variant} c={o.Config.Channels}, into {folder}"
            : $"{o.Shard.Name}: resuming at item {next} of {indices.Length} ({manifest.Parts.Count} part(s) committed) in {folder}");

        int pause = TestPause();
        var ml = new MLContext(seed: 0);
        var schema = SchemaDefinition.Create(typeof(PartRow));
        schema[nameof(PartRow.Latent)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, o.Config.Tokens, o.Config.Channels);
        using var inference = new TokenizerInference(TokenizerFile.Load(o.ModelPath, device), device, o.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32);
        var encoder = new PartEncoder(o, inference, indices);
        var clock = Stopwatch.StartNew();
        int doneThisRun = 0;
        foreach (var (index, problem) in damaged)
        {
            var old = manifest.Parts[index];
            log.WriteLine($"{o.Shard.Name}: {Path.Combine(folder, old.File!)} {problem}; re-encoding its {old.Items} items");
            var partClock = Stopwatch.StartNew();
            var (rows, skipped) = encoder.Encode(old.FirstItem, old.Items);
            string? sha = rows.Count > 0 ? WritePart(ml, schema, rows, old.Items, folder, old.File!) : null;
            if (rows.Count == 0) File.Delete(Path.Combine(folder, old.File!));
            manifest.Parts[index] = old with { File = rows.Count > 0 ? old.File : null, Rows = rows.Count, Seconds = partClock.Elapsed.TotalSeconds, Sha256 = sha };
            manifest.Skipped.RemoveAll(s => s.Item >= old.FirstItem && s.Item < old.FirstItem + old.Items);
            manifest.Skipped.AddRange(skipped);
            manifest.Skipped.Sort((a, b) => a.Item.CompareTo(b.Item));
            manifest.Save(manifestPath);
            doneThisRun += old.Items;
        }
        while (next < indices.Length)
        {
            var partClock = Stopwatch.StartNew();
            int count = Math.Min(o.ItemsPerPart, indices.Length - next);
            var (rows, skipped) = encoder.Encode(next, count);
            string? file = null, sha = null;
            if (rows.Count > 0)
            {
                file = $"{PartPrefix}{manifest.Parts.Count:D5}.parquet";
                sha = WritePart(ml, schema, rows, count, folder, file);
            }
            manifest.Parts.Add(new ShardPart(file, next, count, rows.Count, partClock.Elapsed.TotalSeconds, sha));
            manifest.Skipped.AddRange(skipped);
            next += count;
            doneThisRun += count;
            manifest.Complete = next == indices.Length;
            manifest.Save(manifestPath);
            foreach (var s in skipped) log.WriteLine($"  skipped {s.Origin}: {s.Reason}");
            log.WriteLine($"  {next}/{indices.Length} items committed ({manifest.Parts.Count} part(s)), {doneThisRun / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F1} items/s, {Environment.WorkingSet / 1e6:F0} MB resident");
            if (pause > 0 && !manifest.Complete) Thread.Sleep(pause);
        }
        if (indices.Length == 0)
        {
            manifest.Complete = true;
            manifest.Save(manifestPath);
        }
        log.WriteLine($"{o.Shard.Name}: complete, {manifest.Rows} rows" + (manifest.Skipped.Count > 0 ? $", {manifest.Skipped.Count} skipped (listed in {manifestPath})" : "") +
            $", {doneThisRun} items in this run in {clock.Elapsed.TotalSeconds:F1} s");
        return manifest;
    }

    /// <summary>The manifest of a shard started before (checked against this run), or a new one for an empty folder.</summary>
    static ShardManifest OpenManifest(string folder, string path, ShardedEncodingOptions o, ShardIdentity identity, int items, string keysHash)
    {
        if (!File.Exists(path))
        {
            var strangers = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName)
                .Where(n => n != RunFolderLock.FileName && !(n!.StartsWith(PartPrefix, StringComparison.Ordinal) || n.StartsWith('.'))).ToArray();
            if (strangers.Length > 0)
                throw new IOException($"'{folder}' holds files that are not a shard's ({strangers[0]}{(strangers.Length > 1 ? ", ..." : "")}) and no {ShardManifest.FileName}; choose an empty --out folder.");
            var fresh = new ShardManifest
            {
                Shard = o.Shard.Index, Shards = o.Shard.Count, Identity = identity, Model = Path.GetFullPath(o.ModelPath),
                ShardItems = items, ShardItemsSha256 = keysHash, Started = DateTime.UtcNow,
            };
            fresh.Save(path);
            return fresh;
        }
        var manifest = ShardManifest.Load(path);
        if (manifest.Format != ShardManifest.CurrentFormat)
            throw new InvalidDataException($"'{path}' is a {manifest.Format} manifest; this vitok writes {ShardManifest.CurrentFormat}.");
        var differences = manifest.Identity.Differences(identity).ToList();
        if (manifest.Shard != o.Shard.Index || manifest.Shards != o.Shard.Count) differences.Add($"shard: {manifest.Shard}/{manifest.Shards} -> {o.Shard.Index}/{o.Shard.Count}");
        if (manifest.ShardItems != items || manifest.ShardItemsSha256 != keysHash)
            differences.Add($"the shard's items: {manifest.ShardItems} named items then, {items} now" + (manifest.ShardItems == items ? " with other names" : ""));
        if (differences.Count > 0)
            throw new ShardMismatchException($"{o.Shard.Name} in '{folder}' was started with other arguments or another source or model ({string.Join("; ", differences)}); " +
                "restart it with the same arguments, or write to another --out folder.");
        return manifest;
    }

    /// <summary>Writes a part under a hidden name, hashes it, renames it to <paramref name="file"/>; returns its SHA-256.</summary>
    static string WritePart(MLContext ml, SchemaDefinition schema, List<PartRow> rows, int count, string folder, string file)
    {
        string hidden = Path.Combine(folder, "." + file + ".partial");
        ParquetExport.Write(ml.Data.LoadFromEnumerable(rows, schema), hidden, rowGroupSize: count);
        string sha = FileSha256(hidden);
        File.Move(hidden, Path.Combine(folder, file), overwrite: true);
        return sha;
    }

    /// <summary>
    /// What is wrong with a listed part file, or null: its SHA-256 differs from the manifest's (cut short, changed, or
    /// replaced), or, for a part listed without a checksum (an older manifest), it cannot be read as Parquet or holds
    /// another number of rows. A missing file is not checked here.
    /// </summary>
    public static string? PartProblem(string path, ShardPart part)
    {
        if (part.Sha256 is not null)
        {
            string actual = FileSha256(path);
            return actual == part.Sha256 ? null
                : $"does not match its checksum in {ShardManifest.FileName} (sha256 {actual[..12]}..., listed {part.Sha256[..Math.Min(12, part.Sha256.Length)]}...): it was cut short, changed or replaced after it was committed";
        }
        try
        {
            using var reader = new ParquetSharp.ParquetFileReader(path);
            long rows = reader.FileMetaData.NumRows;
            return rows == part.Rows ? null : $"has {rows} rows; {ShardManifest.FileName} says {part.Rows}";
        }
        catch (Exception e) when (e is ParquetSharp.ParquetException or IOException)
        {
            return $"cannot be read as Parquet ({e.Message.ReplaceLineEndings(" ")})";
        }
    }

    /// <summary>The listed parts whose files fail <see cref="PartProblem"/> (index in the manifest, what is wrong); a listed file that is missing stops the run.</summary>
    static List<(int Index, string Problem)> DamagedParts(string folder, ShardManifest manifest)
    {
        var damaged = new List<(int, string)>();
        for (int i = 0; i < manifest.Parts.Count; i++)
        {
            if (manifest.Parts[i].File is not { } file) continue;
            string path = Path.Combine(folder, file);
            if (!File.Exists(path))
                throw new FileNotFoundException($"'{folder}': the manifest lists {file}, which is missing; the shard's content is incomplete. Delete the folder to encode the shard again.");
            if (PartProblem(path, manifest.Parts[i]) is { } problem) damaged.Add((i, problem));
        }
        return damaged;
    }

    /// <summary>Deletes what an interrupted commit left: hidden temporary files and parts the manifest does not list.</summary>
    static void RemoveUnlisted(string folder, ShardManifest manifest)
    {
        var listed = manifest.Parts.Where(p => p.File is not null).Select(p => p.File!).ToHashSet(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder))
        {
            string name = Path.GetFileName(path);
            if (name == RunFolderLock.FileName || name == ShardManifest.FileName || listed.Contains(name)) continue;
            if (name.StartsWith('.') || name.StartsWith(PartPrefix, StringComparison.Ordinal)) File.Delete(path);
        }
        foreach (string file in listed)
            if (!File.Exists(Path.Combine(folder, file)))
                throw new FileNotFoundException($"'{folder}': the manifest lists {file}, which is missing; the shard's content is incomplete. Delete the folder to encode the shard again.");
    }

    static int TestPause()
    {
        string? text = Environment.GetEnvironmentVariable(TestPauseVariable);
        if (string.IsNullOrEmpty(text)) return 0;
        if (!int.TryParse(text, out int ms) || ms < 0) throw new ArgumentException($"{TestPauseVariable}='{text}' is not a count of milliseconds.");
        return ms;
    }

    static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>One row of a part: the columns `vitok encode` writes.</summary>
    internal sealed class PartRow
    {
        public string Origin { get; set; } = "";
        public int Label { get; set; }
        public float[] Latent { get; set; } = [];
    }
}

/// <summary>A restart or another worker whose arguments do not match the shard already on disk.</summary>
public sealed class ShardMismatchException(string message) : Exception(message);
