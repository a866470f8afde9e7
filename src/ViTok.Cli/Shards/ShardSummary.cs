using System.Text.RegularExpressions;
using ParquetSharp;

namespace ViTok.Cli.Shards;

/// <summary>
/// Checks a sharded encoding's output folder: every shard 0..N-1 present and complete, all with the same identity
/// (source, model hash, options), every listed part file present, matching its SHA-256 and with the rows its manifest
/// says, each shard's parts covering its items once in order, no item (by origin) in more than one shard, and the
/// shards' items adding up to the source's. A part that cannot be read is a problem naming its file. Parts listed
/// without a checksum (manifests written before part checksums) are counted and reported as not verified.
/// Reports the totals.
/// </summary>
public sealed partial class ShardSummary
{
    public List<string> Problems { get; } = [];
    public List<ShardManifest> Shards { get; } = [];
    public int ShardCount { get; private set; }
    public long Items => Shards.Sum(s => (long)s.ItemsDone);
    public long Rows => Shards.Sum(s => s.Rows);
    public long Skipped => Shards.Sum(s => (long)s.Skipped.Count);
    public long Parts => Shards.Sum(s => (long)s.Parts.Count(p => p.File is not null));
    public long Bytes { get; private set; }
    public double EncodeSeconds => Shards.Sum(s => s.EncodeSeconds);
    public bool Ok => Problems.Count == 0;
    /// <summary>Listed parts without a checksum (older manifests): their content is not verified.</summary>
    public long Unchecked { get; private set; }

    /// <summary>Origin -> the shard that holds it, to find an item in two shards.</summary>
    readonly Dictionary<string, int> _shardOf = new(StringComparer.Ordinal);
    readonly List<string> _inTwoShards = [];

    [GeneratedRegex(@"^part-(\d+)-of-(\d+)\.parquet$")]
    private static partial Regex ShardFolder();

    public static ShardSummary Check(string folder)
    {
        var summary = new ShardSummary();
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"'{folder}' does not exist.");
        foreach (string dir in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            var match = ShardFolder().Match(Path.GetFileName(dir));
            if (!match.Success) continue;
            string manifestPath = Path.Combine(dir, ShardManifest.FileName);
            if (!File.Exists(manifestPath)) { summary.Problems.Add($"{Path.GetFileName(dir)}: no {ShardManifest.FileName}"); continue; }
            ShardManifest m;
            try { m = ShardManifest.Load(manifestPath); }
            catch (InvalidDataException e) { summary.Problems.Add(e.Message); continue; }
            if ($"part-{m.Shard}-of-{m.Shards}.parquet" != Path.GetFileName(dir))
                summary.Problems.Add($"{Path.GetFileName(dir)}: its manifest is shard {m.Shard} of {m.Shards}");
            summary.Shards.Add(m);
            summary.CheckParts(dir, m);
        }
        if (summary.Shards.Count == 0)
        {
            summary.Problems.Add($"'{folder}' holds no shard (part-K-of-N.parquet folder with a {ShardManifest.FileName})");
            return summary;
        }
        var first = summary.Shards[0];
        summary.ShardCount = first.Shards;
        foreach (var m in summary.Shards.Skip(1))
        {
            if (m.Shards != first.Shards) summary.Problems.Add($"part-{m.Shard}-of-{m.Shards}: {m.Shards} shards, where part-{first.Shard}-of-{first.Shards} has {first.Shards}");
            var differences = first.Identity.Differences(m.Identity).ToList();
            if (differences.Count > 0) summary.Problems.Add($"part-{m.Shard}-of-{m.Shards} differs from part-{first.Shard}-of-{first.Shards}: {string.Join("; ", differences)}");
        }
        var present = summary.Shards.Where(m => m.Shards == first.Shards).Select(m => m.Shard).ToHashSet();
        var missing = Enumerable.Range(0, first.Shards).Where(k => !present.Contains(k)).ToArray();
        if (missing.Length > 0) summary.Problems.Add($"missing shard(s) of {first.Shards}: {string.Join(", ", missing)}");
        foreach (var m in summary.Shards.Where(m => !m.Complete))
            summary.Problems.Add($"part-{m.Shard}-of-{m.Shards}: not complete ({m.ItemsDone} of {m.ShardItems} items)");
        if (summary._inTwoShards.Count > 0)
            summary.Problems.Add($"{summary._inTwoShards.Count} item(s) are in more than one shard: {string.Join("; ", summary._inTwoShards.Take(3))}{(summary._inTwoShards.Count > 3 ? "; ..." : "")}");
        if (missing.Length == 0 && summary.Shards.Count == first.Shards)
        {
            long items = summary.Shards.Sum(m => (long)m.ShardItems);
            if (items != first.Identity.SourceItems)
                summary.Problems.Add($"the shards hold {items} items; the source has {first.Identity.SourceItems}");
        }
        return summary;
    }

    void CheckParts(string dir, ShardManifest m)
    {
        string shard = $"part-{m.Shard}-of-{m.Shards}";
        // The parts cover the shard's items once, in order, each its rows plus its skipped items.
        int expected = 0;
        foreach (var part in m.Parts)
        {
            int skipped = m.Skipped.Count(s => s.Item >= part.FirstItem && s.Item < part.FirstItem + part.Items);
            if (part.FirstItem != expected || part.Items < 0)
                Problems.Add($"{shard}: a part listed for items {part.FirstItem}..{part.FirstItem + part.Items - 1} where item {expected} comes next (items missing or listed twice)");
            else if (part.Rows + skipped != part.Items)
                Problems.Add($"{shard}: {part.File ?? "a part"} lists {part.Rows} rows and {skipped} skipped items for its {part.Items} items");
            expected = part.FirstItem + part.Items;
        }
        if (m.Complete && expected != m.ShardItems) Problems.Add($"{shard}: its parts cover {expected} items; the shard has {m.ShardItems}");

        foreach (var part in m.Parts.Where(p => p.File is not null))
        {
            string path = Path.Combine(dir, part.File!);
            if (!File.Exists(path)) { Problems.Add($"{shard}: {part.File} is missing"); continue; }
            Bytes += new FileInfo(path).Length;
            if (part.Sha256 is null) Unchecked++;
            else if (ShardedEncoding.PartProblem(path, part) is { } changed) { Problems.Add($"{shard}: {path} {changed}"); continue; }
            try
            {
                using var reader = new ParquetFileReader(path);
                long rows = reader.FileMetaData.NumRows;
                if (rows != part.Rows) Problems.Add($"{shard}: {path} has {rows} rows; its manifest says {part.Rows}");
                foreach (string origin in Origins(reader))
                {
                    if (!_shardOf.TryAdd(origin, m.Shard) && _shardOf[origin] != m.Shard)
                        _inTwoShards.Add($"'{origin}' in part-{_shardOf[origin]}-of-{m.Shards} and {shard} ({path})");
                }
            }
            catch (Exception e) when (e is ParquetException or IOException)
            {
                Problems.Add($"{shard}: {path} cannot be read as Parquet: {e.Message.ReplaceLineEndings(" ")}");
            }
        }
    }

    /// <summary>The Origin column of a part.</summary>
    static IEnumerable<string> Origins(ParquetFileReader reader)
    {
        var schema = reader.FileMetaData.Schema;
        int column = Enumerable.Range(0, schema.NumColumns).FirstOrDefault(i => schema.Column(i).Path.ToDotString() == "Origin", -1);
        if (column < 0) throw new IOException("it has no Origin column");
        var origins = new List<string>();
        for (int g = 0; g < reader.FileMetaData.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            using var columnReader = group.Column(column);
            using var logical = columnReader.LogicalReader<string?>();
            origins.AddRange(logical.ReadAll(checked((int)group.MetaData.NumRows)).OfType<string>());
        }
        return origins;
    }

    public void Print(string folder, TextWriter o)
    {
        o.WriteLine($"{folder}: {Shards.Count} of {(ShardCount > 0 ? ShardCount : "?")} shard(s)");
        if (Shards.Count > 0)
        {
            var id = Shards[0].Identity;
            o.WriteLine($"  source    {id.Source} ({id.SourceItems} items)");
            o.WriteLine($"  model     {id.Variant} c={id.Channels}, [{id.Tokens}, {id.Channels}] latents, {id.Precision}, sha256 {id.ModelSha256}");
            o.WriteLine($"  items     {Items} done: {Rows} rows, {Skipped} skipped");
            o.WriteLine($"  files     {Parts} Parquet parts, {Bytes / 1e6:F1} MB");
            o.WriteLine($"  encoding  {EncodeSeconds:F1} worker-seconds, {Items / Math.Max(EncodeSeconds, 1e-9):F1} items/s per worker");
        }
        foreach (string p in Problems) o.WriteLine($"  PROBLEM   {p}");
        if (Unchecked > 0)
            o.WriteLine($"  NOTE      {Unchecked} part(s) have no checksum (their manifests were written before parts had checksums): their content is not verified; encode those shards again to add them");
        o.WriteLine(!Ok ? $"{Problems.Count} problem(s)" : Unchecked > 0 ? $"complete and consistent, {Unchecked} part(s) without checksums not verified" : "complete and consistent");
    }
}
