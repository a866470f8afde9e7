using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Weights;

/// <summary>Issue 12: every weight file written carries a SHA-256 of header and data, verified on load.</summary>
[TestClass]
public sealed class ChecksumTests
{
    const string Changed = "checksum mismatch: the file was changed after it was written";
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(11);
        _dir = Directory.CreateTempSubdirectory("vitok-checksum-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    string SavedTokenizer(string name = "tokenizer.safetensors")
    {
        string path = Path.Combine(_dir, name);
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        TokenizerFile.Save(model, path);
        return path;
    }

    static string Header(byte[] bytes) => Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));

    [TestMethod]
    public void A_written_file_carries_its_checksum_and_loads()
    {
        string path = SavedTokenizer();
        var file = SafeTensorsFile.Open(path);
        Assert.MatchesRegex(new Regex("^[0-9a-f]{64}$"), file.Metadata[SafeTensorsFile.ChecksumKey]);
        using var model = TokenizerFile.Load(path);
    }

    [TestMethod]
    public void A_flipped_data_byte_is_refused_naming_the_file()
    {
        string path = SavedTokenizer();
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x01;                                    // the low mantissa bit of the last weight: still a finite number
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, Changed);
    }

    [TestMethod]
    public void An_edited_header_value_is_refused()
    {
        string path = SavedTokenizer();
        var bytes = File.ReadAllBytes(path);
        string header = Header(bytes);
        var heads = Regex.Match(header, @"Heads(\\u0022|\\""):(\d)");      // inside the JSON string vitok.config
        Assert.IsTrue(heads.Success, header[..300]);
        var digit = heads.Groups[2];
        string edited = header[..digit.Index] + (digit.Value == "1" ? "2" : "1") + header[(digit.Index + 1)..];
        Encoding.UTF8.GetBytes(edited).CopyTo(bytes, 8);      // same length: the file is otherwise intact
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.ReadConfig(path));
        StringAssert.Contains(e.Message, Changed);

        // Rewriting the checksum itself does not help either.
        string forged = Regex.Replace(header, "\"vitok.sha256\":\"[0-9a-f]{64}\"", "\"vitok.sha256\":\"" + new string('a', 64) + "\"");
        Encoding.UTF8.GetBytes(forged).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(path)).Message, Changed);
    }

    [TestMethod]
    public void An_older_file_without_a_checksum_loads_with_one_note()
    {
        string path = SavedTokenizer("older.safetensors");
        var bytes = File.ReadAllBytes(path);
        string header = Header(bytes);
        // What files written before checksums look like: the same header without the field (blanked: JSON whitespace).
        var field = Regex.Match(header, "\"vitok.sha256\":\"[0-9a-f]{64}\",");
        Assert.IsTrue(field.Success, header[..200]);
        Encoding.UTF8.GetBytes(header.Replace(field.Value, new string(' ', field.Length))).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var notes = new List<string>();
        using (WeightNotes.To(notes.Add))
        {
            using (var model = TokenizerFile.Load(path)) { }
            using (var again = TokenizerFile.Load(path)) { }
        }
        var mine = notes.Where(n => n.Contains(path)).ToList();
        Assert.HasCount(1, mine, string.Join("\n", notes));
        StringAssert.Contains(mine[0], "has no checksum");

        // `vitok checksum` gives it one: the same tensors and metadata, now verified; a second call only verifies.
        var original = SafeTensorsFile.Open(path);
        var originalBytes = original.Entries.Keys.ToDictionary(n => n, n => { using var t = original.Read(n); return (t.dtype, Bytes: t.bytes.ToArray()); });
        Assert.IsTrue(SafeTensorsFile.AddChecksum(path));
        var stamped = SafeTensorsFile.Open(path);
        Assert.MatchesRegex(new Regex("^[0-9a-f]{64}$"), stamped.Metadata[SafeTensorsFile.ChecksumKey]);
        CollectionAssert.AreEquivalent(original.Metadata.ToList(), stamped.Metadata.Where(m => m.Key != SafeTensorsFile.ChecksumKey).ToList());
        CollectionAssert.AreEqual(original.Entries.Keys.ToList(), stamped.Entries.Keys.ToList());
        foreach (var (name, (dtype, data)) in originalBytes)
        {
            using var b = stamped.Read(name);
            Assert.AreEqual(dtype, b.dtype, name);
            CollectionAssert.AreEqual(data, b.bytes.ToArray(), name);
        }
        Assert.IsFalse(SafeTensorsFile.AddChecksum(path));
    }

    [TestMethod]
    public void A_changed_checkpoint_is_passed_over_for_the_previous_one()
    {
        using (var scope = NewDisposeScope())
        {
            using Scalar two = 2.ToScalar();
            TrainingCheckpoint.Write(_dir, 1, [("w", ones(8))], new Dictionary<string, string>(), keep: 2);
            TrainingCheckpoint.Write(_dir, 2, [("w", ones(8).mul_(two))], new Dictionary<string, string>(), keep: 2);
        }
        string newest = TrainingCheckpoint.PathFor(_dir, 2);
        var bytes = File.ReadAllBytes(newest);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(newest, bytes);
        var rejected = new List<string>();
        var file = TrainingCheckpoint.Latest(_dir, rejected);
        Assert.AreEqual(TrainingCheckpoint.PathFor(_dir, 1), file?.Path);
        Assert.HasCount(1, rejected);
        StringAssert.Contains(rejected[0], Changed);
    }
}
