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
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e)
            {
                string holder = "";
                try { holder = File.ReadAllText(path).Trim(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw new IOException($"Run folder '{folder}' is in use by another run ({(holder.Length > 0 ? holder : "see " + path)}); one run per folder: wait for it, stop it, or choose another folder.", e);
            }
            stream.SetLength(0);
            using (var w = new StreamWriter(stream, leaveOpen: true)) w.Write($"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:O}\n");
            stream.Flush();
            Held[path] = (stream, 1);
            return new RunFolderLock(path);
        }
    }

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
