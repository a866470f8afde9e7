using System.Text;
using System.Text.Json;
using ViTok.Models.Runtime;

namespace ViTok.Models.Training;

/// <summary>
/// history.jsonl of a run folder: one JSON row per log step (<see cref="TrainingState.HistoryLine"/>), appended as the run
/// goes. A run that stops between checkpoints has logged rows past its last checkpoint; resuming from that checkpoint
/// first drops them (<see cref="KeepUpTo"/>), so each step appears once.
/// </summary>
public static class TrainingHistory
{
    public const string FileName = "history.jsonl";

    /// <summary>The history file of <paramref name="folder"/>.</summary>
    public static string PathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>
    /// Keeps the rows whose step is at most <paramref name="step"/> and drops the rest, and any line that is not a
    /// row (one cut short when a run was killed while writing it); the file is rewritten atomically, and only when
    /// something is dropped. Returns the number of lines dropped (0 also when there is no file).
    /// </summary>
    public static int KeepUpTo(string folder, long step)
    {
        string path = PathIn(folder);
        if (!File.Exists(path)) return 0;
        var kept = new StringBuilder();
        int dropped = 0;
        foreach (string line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            if (Step(line) is long s && s <= step) kept.Append(line).Append('\n');
            else dropped++;
        }
        if (dropped > 0) AtomicFile.WriteAllText(path, kept.ToString());
        return dropped;
    }

    /// <summary>The "step" of a row, or null when the line is not a JSON object with an integer step.</summary>
    static long? Step(string line)
    {
        try
        {
            using var row = JsonDocument.Parse(line);
            return row.RootElement.ValueKind == JsonValueKind.Object && row.RootElement.TryGetProperty("step", out var s) && s.TryGetInt64(out long v) ? v : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
