using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace ViTok.Models.Clips;

/// <summary>
/// File and folder names that are not valid UTF-8 (bytes such as Latin-1 0xE9 on Linux). .NET decodes a name as UTF-8
/// and puts U+FFFD in place of each invalid byte, so such an entry is listed under a name that opens nothing ("not
/// found"): .NET's file APIs cannot read it at all. Listings find them here (a listed name holding U+FFFD that does not
/// exist) and name them with the invalid bytes escaped as \xNN, read from the folder itself (readdir, on Linux).
/// </summary>
public static class UndecodableNames
{
    /// <summary>Whether <paramref name="path"/>, as listed by .NET, is an entry whose real name is not valid UTF-8.</summary>
    public static bool IsUndecodable(string path) =>
        Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar)).Contains('\uFFFD') && !File.Exists(path) && !Directory.Exists(path);

    /// <summary>
    /// The full paths of the entries of <paramref name="folder"/> whose names are not valid UTF-8, with the invalid bytes
    /// escaped (<c>/data/caf\xE9.png</c>); folders end in '/'. Where the raw names cannot be read (not Linux), the
    /// names as .NET lists them (with U+FFFD) are given instead.
    /// </summary>
    public static IReadOnlyList<string> In(string folder)
    {
        var escaped = OperatingSystem.IsLinux() ? RawNames(folder) : null;
        if (escaped is not null) return escaped.Select(n => Path.Combine(folder, n)).Order(StringComparer.Ordinal).ToList();
        return Directory.EnumerateFileSystemEntries(folder).Where(IsUndecodable)
            .Select(p => Directory.Exists(p) ? p + "/" : p).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>What to tell the user about <paramref name="names"/> (from <see cref="In"/>) found under <paramref name="root"/>.</summary>
    public static string Message(string root, IReadOnlyList<string> names) =>
        $"'{root}' holds {names.Count} file or folder name(s) that are not valid UTF-8 (invalid bytes shown as \\xNN), which .NET cannot open: " +
        string.Join(", ", names.Take(5)) + (names.Count > 5 ? $" and {names.Count - 5} more" : "") +
        ". Rename them to UTF-8 (e.g. convmv -f latin1 -t utf8 -r --notest FOLDER), or leave them out (vitok: --skip-bad-files).";

    /// <summary>The names in <paramref name="folder"/> that are not valid UTF-8, escaped; null when the folder cannot be read this way.</summary>
    static List<string>? RawNames(string folder)
    {
        byte[] path = [.. Encoding.UTF8.GetBytes(folder), 0];
        IntPtr dir = OpenDir(path);
        if (dir == IntPtr.Zero) return null;
        try
        {
            var names = new List<string>();
            for (IntPtr entry = ReadDir(dir); entry != IntPtr.Zero; entry = ReadDir(dir))
            {
                // struct dirent on Linux (glibc and musl, 64-bit): d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
                const int NameOffset = 19, TypeOffset = 18, FolderType = 4;
                var name = new List<byte>();
                for (int i = 0; i < 256; i++)
                {
                    byte b = Marshal.ReadByte(entry, NameOffset + i);
                    if (b == 0) break;
                    name.Add(b);
                }
                var bytes = name.ToArray();
                if (Utf8.IsValid(bytes)) continue;
                names.Add(Escape(bytes) + (Marshal.ReadByte(entry, TypeOffset) == FolderType ? "/" : ""));
            }
            return names;
        }
        finally
        {
            _ = CloseDir(dir);
        }
    }

    /// <summary>The bytes as UTF-8 where they are valid, each invalid byte as \xNN.</summary>
    static string Escape(byte[] bytes)
    {
        var text = new StringBuilder();
        var rest = bytes.AsSpan();
        while (rest.Length > 0)
        {
            if (Rune.DecodeFromUtf8(rest, out Rune rune, out int used) == OperationStatus.Done) text.Append(rune.ToString());
            else
            {
                text.Append($"\\x{rest[0]:X2}");
                used = 1;
            }
            rest = rest[used..];
        }
        return text.ToString();
    }

    [DllImport("libc", EntryPoint = "opendir", SetLastError = true)]
    static extern IntPtr OpenDir(byte[] name);

    [DllImport("libc", EntryPoint = "readdir")]
    static extern IntPtr ReadDir(IntPtr dir);

    [DllImport("libc", EntryPoint = "closedir")]
    static extern int CloseDir(IntPtr dir);
}
