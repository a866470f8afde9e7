using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ViTok.Models.Experiments;

/// <summary>
/// The result file of a sweep: JSON lines, one object per run, keyed by "name". Rows are replaced whole and the file
/// is rewritten atomically (temporary file, then rename), so a reader never sees half a row and a crash keeps the
/// previous file.
/// </summary>
public sealed class SweepResults
{
    readonly List<JsonObject> _rows;

    public string Path { get; }
    public IReadOnlyList<JsonObject> Rows => _rows;

    SweepResults(string path, List<JsonObject> rows) { Path = path; _rows = rows; }

    /// <summary>Reads a result file (an absent file has no rows); a line that is not a JSON object is named in the error.</summary>
    public static SweepResults Load(string path)
    {
        var rows = new List<JsonObject>();
        if (File.Exists(path))
        {
            int lineNumber = 0;
            foreach (var line in File.ReadLines(path))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                JsonNode? node;
                try { node = JsonNode.Parse(line); }
                catch (JsonException e) { throw new InvalidDataException($"{path}, line {lineNumber}: not valid JSON ({e.Message}).", e); }
                var row = node as JsonObject ?? throw new InvalidDataException($"{path}, line {lineNumber}: a row must be a JSON object.");
                if (row["name"] is not JsonValue) throw new InvalidDataException($"{path}, line {lineNumber}: the row has no name.");
                rows.Add(row);
            }
        }
        return new SweepResults(path, rows);
    }

    static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public JsonObject? Find(string name) => _rows.FirstOrDefault(r => (string?)r["name"] == name);

    /// <summary>Adds the row, or replaces the row of the same name in place, and rewrites the file atomically.</summary>
    public void Put(JsonObject row)
    {
        string name = (string?)row["name"] ?? throw new ArgumentException("A result row needs a name.", nameof(row));
        int at = _rows.FindIndex(r => (string?)r["name"] == name);
        if (at >= 0) _rows[at] = row; else _rows.Add(row);
        var text = new StringBuilder();
        foreach (var r in _rows) text.Append(r.ToJsonString(Compact)).Append('\n');
        Runtime.AtomicFile.WriteAllText(Path, text.ToString());
    }

    /// <summary>A numeric field by a dotted path ("psnr", "generation.fd_clf"), or null when absent or null.</summary>
    public static double? Number(JsonObject row, string path)
    {
        JsonNode? node = row;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
            if (node is null) return null;
        }
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return null;
        // Parsed rows hold JSON elements (any number reads as double); rows built in code hold the CLR value.
        if (v.TryGetValue<double>(out var d)) return d;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<float>(out var f)) return f;
        return null;
    }
}
