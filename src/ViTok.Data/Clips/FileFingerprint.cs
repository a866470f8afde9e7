using System.Security.Cryptography;
using System.Text;

namespace ViTok.Models.Clips;

/// <summary>
/// A short fingerprint of a list of files: SHA-256 over each file's path, length and last-write time, in order.
/// Renaming, adding, removing or rewriting a file changes it; reading the files does not. It stats each file once
/// (no content is read, so it costs little for millions of files); a file rewritten with the same length and time
/// stamp is not seen, and touching a file without changing it is.
/// </summary>
public static class FileFingerprint
{
    /// <summary>The first 16 hex digits of the SHA-256 over (path, length, last-write ticks) of <paramref name="files"/>, or "missing FILE".</summary>
    public static string Of(IEnumerable<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files)
        {
            var info = new FileInfo(file);
            string line = info.Exists ? $"{file}\0{info.Length}\0{info.LastWriteTimeUtc.Ticks}\n" : $"{file}\0missing\n";
            hash.AppendData(Encoding.UTF8.GetBytes(line));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
