using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

// MSBuild inline task (see TorchSharpNativeFix.targets). Edits one flag of an ELF64 little-endian
// shared library's .gnu.version_r entry; everything else in the file is left byte for byte.
public class ViTokWeakenGlibcxxRequirement : Microsoft.Build.Utilities.Task
{
    public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();
    public string Version { get; set; } = "";
    public string AllowedSymbol { get; set; } = "";

    const uint ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff, ShtDynsym = 11;
    const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        if (SystemLibStdCxxHas(Version))
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "System libstdc++ provides " + Version + "; libLibTorchSharp.so left untouched.");
            return true;
        }
        foreach (var item in Libraries)
        {
            string path = item.GetMetadata("FullPath");
            try { Patch(path); }
            catch (Exception e) { Log.LogError("Could not adjust {0}: {1}", path, e.Message); }
        }
        return !Log.HasLoggedErrors;
    }

    static bool SystemLibStdCxxHas(string version)
    {
        string[] candidates = {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6" };
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            byte[] bytes = File.ReadAllBytes(c);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            return IndexOf(bytes, needle) >= 0;
        }
        return true; // no system libstdc++ found where expected: change nothing.
    }

    static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    void Patch(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("not an ELF64 little-endian file");
        long shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        long verneedOff = -1, verneedSize = 0, versymOff = -1, dynsymOff = -1, dynsymSize = 0; uint verneedLink = 0, verneedCount = 0, dynsymLink = 0;
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            uint type = BitConverter.ToUInt32(b, (int)h + 4);
            long off = (long)BitConverter.ToUInt64(b, (int)h + 24), size = (long)BitConverter.ToUInt64(b, (int)h + 32);
            uint link = BitConverter.ToUInt32(b, (int)h + 40), info = BitConverter.ToUInt32(b, (int)h + 44);
            if (type == ShtGnuVerneed) { verneedOff = off; verneedSize = size; verneedLink = link; verneedCount = info; }
            else if (type == ShtGnuVersym) versymOff = off;
            else if (type == ShtDynsym) { dynsymOff = off; dynsymSize = size; dynsymLink = link; }
        }
        if (verneedOff < 0 || versymOff < 0 || dynsymOff < 0) throw new InvalidDataException("no symbol-version sections");
        long dynstrOff = (long)BitConverter.ToUInt64(b, (int)(shoff + (long)verneedLink * shentsize) + 24);
        long symstrOff = (long)BitConverter.ToUInt64(b, (int)(shoff + (long)dynsymLink * shentsize) + 24);

        long vn = verneedOff;
        for (uint n = 0; n < verneedCount; n++)
        {
            int cnt = BitConverter.ToUInt16(b, (int)vn + 2);
            long aux = vn + BitConverter.ToUInt32(b, (int)vn + 8);
            for (int k = 0; k < cnt; k++)
            {
                ushort flags = BitConverter.ToUInt16(b, (int)aux + 4), index = BitConverter.ToUInt16(b, (int)aux + 6);
                string name = CString(b, dynstrOff + BitConverter.ToUInt32(b, (int)aux + 8));
                if (name == Version)
                {
                    if ((flags & VerFlgWeak) != 0) { Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, path + ": already adjusted."); return; }
                    foreach (string user in SymbolsWithVersion(b, versymOff, dynsymOff, dynsymSize, symstrOff, index))
                        if (user != AllowedSymbol)
                        {
                            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                                path + ": symbol " + user + " needs " + Version + "; not adjusting (torch may fail to load on this system).");
                            return;
                        }
                    BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(b, (int)aux + 4);
                    string tmp = path + ".vitok-tmp";
                    File.WriteAllBytes(tmp, b);
                    File.Replace(tmp, path, null);
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, path + ": marked the " + Version + " requirement weak (system libstdc++ lacks it).");
                    return;
                }
                aux += BitConverter.ToUInt32(b, (int)aux + 12);
            }
            vn += BitConverter.ToUInt32(b, (int)vn + 12);
        }
    }

    static IEnumerable<string> SymbolsWithVersion(byte[] b, long versymOff, long dynsymOff, long dynsymSize, long strOff, ushort index)
    {
        long count = dynsymSize / 24;
        for (long s = 0; s < count; s++)
        {
            ushort v = (ushort)(BitConverter.ToUInt16(b, (int)(versymOff + 2 * s)) & 0x7fff);
            if (v == index) yield return CString(b, strOff + BitConverter.ToUInt32(b, (int)(dynsymOff + 24 * s)));
        }
    }

    static string CString(byte[] b, long off)
    {
        int end = (int)off;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)off, end - (int)off);
    }
}
