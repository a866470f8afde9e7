namespace ViTok.Models.Training;

/// <summary>
/// What shows that a training run was started in a folder: checkpoints, history.jsonl, an exported model. A new run
/// (not a resume) into such a folder would replace its model and checkpoints and append to its history, mixing two
/// runs, so every surface (`vitok train`, `vitok train-generator`, ML.NET's TrainTokenizer and TrainGenerator with a
/// RunFolder) refuses it before anything is written. Nothing is moved or deleted for the user.
/// </summary>
public static class RunFolderContents
{
    /// <summary>The files a trainer exports at the end of a run.</summary>
    static readonly string[] Exported = ["tokenizer.safetensors", "generator.safetensors"];

    /// <summary>The names in <paramref name="folder"/> that show a run was started there.</summary>
    public static IReadOnlyList<string> Find(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        var found = new List<string>();
        foreach (string name in Exported.Append(TrainingHistory.FileName))
            if (File.Exists(Path.Combine(folder, name))) found.Add(name);
        found.AddRange(Directory.EnumerateFiles(folder, "checkpoint-*.safetensors").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal));
        return found;
    }

    /// <summary>
    /// Null when a new run may start in <paramref name="folder"/> (or <paramref name="resume"/> is set), else why not,
    /// naming the files and what to do (<paramref name="resumeWord"/>: the option that resumes on this surface).
    /// </summary>
    public static string? RefusalForNewRun(string folder, bool resume, string resumeWord)
    {
        if (resume) return null;
        var found = Find(folder);
        if (found.Count == 0) return null;
        bool resumable = found.Any(n => n.StartsWith("checkpoint-", StringComparison.Ordinal));
        string listed = string.Join(", ", found.Take(4)) + (found.Count > 4 ? $" and {found.Count - 4} more" : "");
        return $"'{folder}' already holds a training run ({listed}); a new run would replace its model and mix the histories. " +
               (resumable ? $"Continue it with {resumeWord}, or choose another folder." : "It has no checkpoint to resume from: choose another folder, or move its files away first.");
    }
}
