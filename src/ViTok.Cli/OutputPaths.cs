using ViTok.Cli.Verbs;

namespace ViTok.Cli;

/// <summary>
/// Checks an output option before any work: a folder option must not name a file (nor lie under one), a file option
/// must not name a folder. A wrong kind is a usage error naming the option.
/// </summary>
static class OutputPaths
{
    /// <summary>The full path of a folder to write into (created later by the verb).</summary>
    public static string RequireFolder(string option, string path)
    {
        RequireName(option, path, "folder");
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new UsageException($"{option}: '{path}' is a file; a folder is expected (it is created when missing).");
        RequireNoFileAbove(option, path, full);
        return full;
    }

    /// <summary>The full path of a file to write (replaced atomically when it exists).</summary>
    public static string RequireFile(string option, string path)
    {
        RequireName(option, path, "file");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new UsageException($"{option}: '{path}' is a folder; a file name is expected.");
        RequireNoFileAbove(option, path, full);
        return full;
    }

    /// <summary>An empty or blank path (Path.GetFullPath said only "(Parameter 'path')") is a usage error naming the option.</summary>
    static void RequireName(string option, string path, string kind)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option}: the path is empty; give a {kind} name.");
    }

    static void RequireNoFileAbove(string option, string path, string full)
    {
        for (string? parent = Path.GetDirectoryName(full); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
            if (File.Exists(parent))
                throw new UsageException($"{option}: '{path}' lies under '{parent}', which is a file, not a folder.");
    }
}
