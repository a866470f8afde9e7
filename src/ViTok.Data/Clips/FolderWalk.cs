namespace ViTok.Models.Clips;

/// <summary>
/// Lists the files under a folder, recursively, following symbolic links to folders once: a link that leads to a
/// folder already being listed (its own ancestor: a cycle; or a folder listed elsewhere: a duplicate) is not
/// followed and is counted instead, so a link to a parent cannot multiply the items. Entries whose names are not
/// valid UTF-8 cannot be opened by .NET: they are not listed but returned apart (<see cref="UndecodableNames"/>).
/// </summary>
public static class FolderWalk
{
    /// <param name="root">The folder to list.</param>
    /// <param name="skippedLinks">Links to folders not followed (cycles and duplicates).</param>
    /// <param name="undecodable">Files and folders (ending in '/') whose names are not valid UTF-8, escaped; folders among them are not listed.</param>
    public static List<string> Files(string root, out int skippedLinks, out IReadOnlyList<string> undecodable)
    {
        var files = new List<string>();
        var bad = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        int skipped = 0;
        Walk(root, RealPath(new DirectoryInfo(root)));
        skippedLinks = skipped;
        undecodable = bad;
        return files;

        void Walk(string folder, string real)
        {
            if (!visited.Add(real)) { skipped++; return; }
            bool undecodableHere = false;
            foreach (string file in Directory.EnumerateFiles(folder))
                if (UndecodableNames.IsUndecodable(file)) undecodableHere = true;
                else files.Add(file);
            foreach (var sub in new DirectoryInfo(folder).EnumerateDirectories())
                if (UndecodableNames.IsUndecodable(sub.FullName)) undecodableHere = true;
                else Walk(sub.FullName, sub.LinkTarget is null ? Path.Combine(real, sub.Name) : RealPath(sub));
            if (undecodableHere) bad.AddRange(UndecodableNames.In(folder));
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
