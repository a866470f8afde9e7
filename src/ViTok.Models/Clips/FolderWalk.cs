namespace ViTok.Models.Clips;

/// <summary>
/// Lists the files under a folder, recursively, following symbolic links to folders once: a link that leads to a
/// folder already being listed (its own ancestor: a cycle; or a folder listed elsewhere: a duplicate) is not
/// followed and is counted instead, so a link to a parent cannot multiply the items.
/// </summary>
public static class FolderWalk
{
    public static List<string> Files(string root, out int skippedLinks)
    {
        var files = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        int skipped = 0;
        Walk(root, RealPath(new DirectoryInfo(root)));
        skippedLinks = skipped;
        return files;

        void Walk(string folder, string real)
        {
            if (!visited.Add(real)) { skipped++; return; }
            files.AddRange(Directory.EnumerateFiles(folder));
            foreach (var sub in new DirectoryInfo(folder).EnumerateDirectories())
                Walk(sub.FullName, sub.LinkTarget is null ? Path.Combine(real, sub.Name) : RealPath(sub));
        }
    }

    /// <summary>The folder's path with every symbolic link along it resolved.</summary>
    static string RealPath(DirectoryInfo folder)
    {
        var parts = new Stack<string>();
        var current = folder;
        while (current.Parent is not null)
        {
            if (current.LinkTarget is not null)
            {
                var target = current.ResolveLinkTarget(returnFinalTarget: true) ?? current;
                string resolved = RealPath(new DirectoryInfo(target.FullName));
                return parts.Aggregate(resolved, Path.Combine);
            }
            parts.Push(current.Name);
            current = current.Parent;
        }
        return parts.Aggregate(current.FullName, Path.Combine);
    }
}
