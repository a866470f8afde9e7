using System.Runtime.InteropServices;

namespace ViTok.Models.Clips;

/// <summary>
/// Reads an image file's bytes for <see cref="ImageFolderSource.Decode(string, long)"/>, the one place image files are
/// opened. Before opening, the path (a link is followed to its final target) must be a regular file: a FIFO named
/// x.png would block the reader forever, a link to /dev/zero would be read until memory runs out, a socket or device
/// is not an image. And it must hold at most <see cref="ImageFolderOptions.MaxFileBytes"/> bytes, checked before
/// reading and again while reading (the file may grow). Each refusal is a <see cref="BadItemException"/> naming the
/// file, which --skip-bad-files (SkipBadItems) skips.
/// </summary>
static class ImageFileRead
{
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        var (kind, size) = Inspect(path);
        if (kind is not null)
            throw new BadItemException(path, $"not a regular file but {kind}; it is not read (a FIFO would block the reader, a device would be read without end).");
        if (size > maxBytes)
            throw new BadItemException(path, $"{size} bytes exceeds the limit of {maxBytes} bytes for an image of at most the pixel limit (size guard).");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var buffer = new MemoryStream((int)Math.Min(Math.Max(size, 0), maxBytes));
            var chunk = new byte[1 << 16];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > maxBytes)
                    throw new BadItemException(path, $"more than the limit of {maxBytes} bytes for an image of at most the pixel limit (size guard; the file grew while it was read).");
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadItemException(path, $"the file could not be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// What the path is, without opening it: (null, size) for a regular file (or a link to one), otherwise a description
    /// of the special file. When the kind cannot be told (not Linux, or statx unavailable), the size from
    /// <see cref="FileInfo"/> is used and the bounded read is the guard.
    /// </summary>
    static (string? Kind, long Size) Inspect(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var buffer = new byte[256];     // struct statx: the same layout on every architecture
            int result;
            try { result = Statx(AtFdCwd, path, 0, StatxType | StatxSize, buffer); }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { result = -1; }
            if (result == 0)
            {
                int mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
                long size = (long)Math.Min(BitConverter.ToUInt64(buffer, 40), long.MaxValue);
                string? kind = mode switch
                {
                    0x8000 => null,
                    0x1000 => "a FIFO (named pipe)",
                    0x2000 => "a character device",
                    0x6000 => "a block device",
                    0xC000 => "a socket",
                    0x4000 => "a folder",
                    _ => $"a special file (mode 0x{mode:X4})",
                };
                if (kind is not null && new FileInfo(path).LinkTarget is { } target) kind += $" (through the link to '{target}')";
                return (kind, size);
            }
        }
        try
        {
            var info = new FileInfo(path);
            return (null, info.Exists ? info.Length : 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (null, 0); }
    }

    const int AtFdCwd = -100;
    const uint StatxType = 0x1, StatxSize = 0x200;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
