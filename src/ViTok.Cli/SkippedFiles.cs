namespace ViTok.Cli;

/// <summary>
/// --skip-bad-files: the option (the same name and meaning on every verb that reads images) and the report of what
/// was skipped: the count, then the first few files.
/// </summary>
static class SkippedFiles
{
    /// <summary>Files named in the report; the rest are counted.</summary>
    public const int Named = 5;

    public static System.CommandLine.Option<bool> Option() => new("--skip-bad-files")
    {
        Description = "Skip unreadable files (counted, and the first few named, at the end) instead of stopping at the first one.",
    };

    /// <summary>Writes "N unreadable file(s) skipped: a, b, ... and M more" when <paramref name="origins"/> is not empty.</summary>
    public static void Report(TextWriter output, IReadOnlyCollection<string> origins)
    {
        if (origins.Count == 0) return;
        output.WriteLine($"{origins.Count} unreadable file(s) skipped:");
        foreach (string origin in origins.Take(Named)) output.WriteLine($"  {origin}");
        if (origins.Count > Named) output.WriteLine($"  and {origins.Count - Named} more");
    }
}
