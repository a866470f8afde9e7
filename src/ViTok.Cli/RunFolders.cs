using ViTok.Cli.Verbs;
using ViTok.Models.Training;

namespace ViTok.Cli;

/// <summary>
/// The --out folder of `train` and `train-generator`: a new run (no --resume) is refused in a folder that holds a run
/// (a finished one, or one that was stopped or killed), before anything is written. Training there would replace its
/// model and checkpoints and append to its history.jsonl, mixing two runs. Continue it with --resume, or choose
/// another folder; nothing is moved or deleted for the user.
/// </summary>
static class RunFolders
{
    /// <summary>The files a trainer exports at the end of a run (`train`, `train-generator`).</summary>
    static readonly string[] Exported = ["tokenizer.safetensors", "generator.safetensors"];

    /// <summary>The names in <paramref name="folder"/> that show a run was started there (checkpoints, history.jsonl, an exported model).</summary>
    public static IReadOnlyList<string> RunFiles(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        var found = new List<string>();
        foreach (string name in Exported.Append(TrainingHistory.FileName))
            if (File.Exists(Path.Combine(folder, name))) found.Add(name);
        found.AddRange(Directory.EnumerateFiles(folder, "checkpoint-*.safetensors").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal));
        return found;
    }

    /// <summary>Without --resume, a usage error naming <paramref name="option"/> when <paramref name="folder"/> holds a run.</summary>
    public static void RequireNoRun(string option, string folder, bool resume)
    {
        if (resume) return;
        var found = RunFiles(folder);
        if (found.Count == 0) return;
        bool resumable = found.Any(n => n.StartsWith("checkpoint-", StringComparison.Ordinal));
        string listed = string.Join(", ", found.Take(4)) + (found.Count > 4 ? $" and {found.Count - 4} more" : "");
        throw new UsageException($"{option}: '{folder}' already holds a training run ({listed}); a new run would replace its model and mix the histories. " +
                                 (resumable ? "Continue it with --resume, or choose another folder." : "It has no checkpoint to resume from: choose another folder, or move its files away first."));
    }
}
