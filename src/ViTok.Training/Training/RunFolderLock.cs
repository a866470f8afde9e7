namespace ViTok.Models.Training;

/// <summary>
/// One writer per run folder: a lock file (<see cref="FileName"/>) held open exclusively for the whole run and naming
/// its holder (process, machine, start time). The operating system releases it when the holder exits or is killed, so
/// a lock left by a dead run is never in the way (a stale file is simply taken over). Acquiring a folder this process
/// already holds is allowed (the CLI locks before it caches latents, the trainer again when it starts).
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    public const string FileName = ".run.lock";

    static readonly Dictionary<string, (FileStream Stream, int Count)> Held = new(StringComparer.Ordinal);
    readonly string _path;
    bool _disposed;

    RunFolderLock(string path) => _path = path;

    /// <summary>Locks <paramref name="folder"/> (created when missing); an <see cref="IOException"/> names the holder when another run has it.</summary>
    public static RunFolderLock Acquire(string folder)
    {
        Directory.CreateDirectory(folder);
        string path = Path.GetFullPath(Path.Combine(folder, FileName));
        lock (Held)
        {
            if (Held.TryGetValue(path, out var held))
            {
                Held[path] = (held.Stream, held.Count + 1);
                return new RunFolderLock(path);
            }
            FileStream stream;
            RefuseLink(path);
            try
            {
                // A new lock is created with O_EXCL, which does not follow a link (not even a dangling one); an
                // existing one (left by a run that died) is opened without truncating, and checked again before it is written.
                try { stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None); }
                catch (IOException) when (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
                {
                    RefuseLink(path);
                    stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
                }
            }
            catch (IOException e) when (e is not LockIsALinkException)
            {
                string holder = "";
                try { holder = File.ReadAllText(path).Trim(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw new IOException($"Run folder '{folder}' is in use by another run ({(holder.Length > 0 ? holder : "see " + path)}); one run per folder: wait for it, stop it, or choose another folder.", e);
            }
            try { RefuseLink(path); }      // replaced by a link while it was being opened: nothing written through it
            catch { stream.Dispose(); throw; }
            stream.SetLength(0);
            using (var w = new StreamWriter(stream, leaveOpen: true)) w.Write($"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:O}\n");
            stream.Flush();
            Held[path] = (stream, 1);
            return new RunFolderLock(path);
        }
    }

    /// <summary>
    /// A lock file that is a symbolic link is refused naming it: opening it would write the holder line into the
    /// link's target (any file the user may write), and truncate it.
    /// </summary>
    static void RefuseLink(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
            throw new LockIsALinkException($"Run lock '{path}' is a symbolic link (to '{target}'); a lock file is never followed. Remove the link (not its target) and start again.");
    }

    /// <summary>The lock file is a symbolic link (<see cref="RefuseLink"/>).</summary>
    sealed class LockIsALinkException(string message) : IOException(message);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Held)
        {
            var (stream, count) = Held[_path];
            if (count > 1) { Held[_path] = (stream, count - 1); return; }
            Held.Remove(_path);
            stream.Dispose();
        }
    }
}
