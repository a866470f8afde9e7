using System.Text.Json;

namespace ViTok.Cli.Shards;

/// <summary>
/// What every shard of one encoding must share, and a restarted worker must match: the source, the model (by the
/// SHA-256 of its file) and the options that change the latents or the parts (the batch size too: matrix kernels
/// may round differently for another batch shape).
/// </summary>
public sealed record ShardIdentity(
    string Source, int SourceItems, string ModelSha256, string Variant, int Tokens, int Channels,
    string Precision, string Latent, int ItemsPerPart, int Batch)
{
    /// <summary>"Name: this -> other" for each field that differs.</summary>
    public IEnumerable<string> Differences(ShardIdentity other) =>
        typeof(ShardIdentity).GetProperties()
            .Select(p => (p.Name, Mine: p.GetValue(this)?.ToString(), Theirs: p.GetValue(other)?.ToString()))
            .Where(d => d.Mine != d.Theirs)
            .Select(d => $"{d.Name}: {d.Mine} -> {d.Theirs}");
}

/// <summary>
/// One committed part: shard items [FirstItem, FirstItem + Items), of which Rows were written to File (null when every
/// item was skipped), whose bytes have the SHA-256 <paramref name="Sha256"/> (lower-case hex; null in manifests written
/// before parts had checksums).
/// </summary>
public sealed record ShardPart(string? File, int FirstItem, int Items, int Rows, double Seconds, string? Sha256 = null);

/// <summary>An item left out with --skip-bad-files: its position in the shard, its origin and why.</summary>
public sealed record SkippedItem(int Item, string Origin, string Reason);

/// <summary>
/// The state of one shard (<see cref="FileName"/> in its folder), rewritten atomically after each committed part:
/// which parts are done, which items were skipped and why, the identity a restart must match, and timings.
/// The parts it lists are the shard's content; a part file it does not list is an unfinished commit.
/// </summary>
public sealed class ShardManifest
{
    public const string FileName = "_manifest.json";
    public const string CurrentFormat = "vitok-encode-shard/1";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Format { get; set; } = CurrentFormat;
    public int Shard { get; set; }
    public int Shards { get; set; }
    public required ShardIdentity Identity { get; set; }
    /// <summary>The model file as given to the first run (information only: the identity holds its hash).</summary>
    public string Model { get; set; } = "";
    /// <summary>Items of this shard, done or not.</summary>
    public int ShardItems { get; set; }
    /// <summary>SHA-256 of the shard's item names in order, one per line: a restart on a changed source is refused.</summary>
    public string ShardItemsSha256 { get; set; } = "";
    public List<ShardPart> Parts { get; set; } = [];
    public List<SkippedItem> Skipped { get; set; } = [];
    public bool Complete { get; set; }
    public DateTime Started { get; set; }
    public DateTime Updated { get; set; }
    /// <summary>How many worker runs have worked on the shard (1 when it ran through, more after restarts).</summary>
    public int Runs { get; set; }
    /// <summary>The last run's device and threads (information only: they do not change which items are written).</summary>
    public string LastRun { get; set; } = "";

    public int ItemsDone => Parts.Sum(p => p.Items);
    public long Rows => Parts.Sum(p => (long)p.Rows);
    public double EncodeSeconds => Parts.Sum(p => p.Seconds);

    public static ShardManifest Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<ShardManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"Shard manifest '{path}' is empty.");
        }
        catch (JsonException e) { throw new InvalidDataException($"Shard manifest '{path}' cannot be read: {e.Message}", e); }
    }

    /// <summary>Writes the manifest under a temporary name and renames it over <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        Updated = DateTime.UtcNow;
        string temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }
}
