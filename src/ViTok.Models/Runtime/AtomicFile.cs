namespace ViTok.Models.Runtime;

/// <summary>
/// Writes a file whole or not at all: into a temporary file beside it (same folder, so the rename cannot cross file
/// systems), flushed to disk, then renamed over the path. When the write fails or is cancelled, the temporary file is
/// deleted and a file already at the path is left as it was; an I/O failure (a full disk, a read-only folder) is
/// rethrown as an <see cref="IOException"/> that names the path and the cause.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, which gets the temporary file's stream.</summary>
    public static void Write(string path, Action<Stream> write, CancellationToken cancel = default) =>
        Write(path, write, Create, cancel);

    /// <summary>
    /// As <see cref="Write(string, Action{Stream}, CancellationToken)"/>, with the temporary file opened by
    /// <paramref name="open"/> (given the temporary path; it must create that file).
    /// </summary>
    public static void Write(string path, Action<Stream> write, Func<string, Stream> open, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(open);
        WriteVia(path, temp =>
        {
            using var stream = open(temp);
            write(stream);
            cancel.ThrowIfCancellationRequested();
            if (stream is FileStream file) file.Flush(flushToDisk: true);
            else stream.Flush();
        }, cancel);
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/>.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => { using var writer = new StreamWriter(stream, leaveOpen: true); writer.Write(text); });

    /// <summary>
    /// For writers that open the file themselves (a Parquet writer): <paramref name="write"/> gets the temporary path to
    /// create and write and close; it is then renamed over <paramref name="path"/>.
    /// </summary>
    public static void WriteVia(string path, Action<string> write, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        string temp = TempPath(full);
        try
        {
            cancel.ThrowIfCancellationRequested();
            write(temp);
            cancel.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is OperationCanceledException || Cause(e) is not { } io) throw;
            throw new IOException($"Writing '{full}' failed: {io.Message.TrimEnd('.')}. Nothing was written there" +
                                  (File.Exists(full) ? " (the file already there is unchanged)." : "."), e);
        }
    }

    /// <summary>The temporary file's name for <paramref name="full"/>: beside it, unique to this write.</summary>
    public static string TempPath(string full) => full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Whether <paramref name="path"/> is one of this class's temporary files (for tests and clean-up checks).</summary>
    public static bool IsTempPath(string path) => Path.GetFileName(path).Contains(".tmp-", StringComparison.Ordinal);

    static Stream Create(string temp) => new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);

    /// <summary>The I/O failure at the root of <paramref name="e"/> (writers such as ML.NET's wrap it), or null.</summary>
    static IOException? Cause(Exception e)
    {
        IOException? found = null;
        for (Exception? x = e; x is not null; x = x is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0] : x.InnerException)
        {
            if (x is IInputFault) return null;     // an input could not be read: not a failure of this write
            if (x is IOException io) found = io;
        }
        return found;
    }

    static void TryDelete(string temp)
    {
        try { File.Delete(temp); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the original failure matters more */ }
    }
}
