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
    /// <summary>The names in <paramref name="folder"/> that show a run was started there (<see cref="RunFolderContents.Find"/>).</summary>
    public static IReadOnlyList<string> RunFiles(string folder) => RunFolderContents.Find(folder);

    /// <summary>Without --resume, a usage error naming <paramref name="option"/> when <paramref name="folder"/> holds a run.</summary>
    public static void RequireNoRun(string option, string folder, bool resume)
    {
        if (RunFolderContents.RefusalForNewRun(folder, resume, "--resume") is { } why) throw new UsageException($"{option}: {why}");
    }
}
