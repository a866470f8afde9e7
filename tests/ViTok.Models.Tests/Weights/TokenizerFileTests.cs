using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Weights;

[TestClass]
public sealed class TokenizerFileTests
{
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(7);
        _dir = Directory.CreateTempSubdirectory("vitok-weights-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    static ViTokAutoEncoder Tiny(PositionEncoding position = PositionEncoding.Rope3D) =>
        new(ViTokConfig.FromVariant("N-N/2x8", channels: 4, imageSize: 16, frames: 2, position: position));

    [TestMethod]
    [DataRow(PositionEncoding.Rope3D)]
    [DataRow(PositionEncoding.Learned)]
    public void Save_then_load_gives_identical_outputs(PositionEncoding position)
    {
        string path = Path.Combine(_dir, "t.safetensors");
        using var model = Tiny(position);
        model.eval();
        TokenizerFile.Save(model, path);
        using var loaded = TokenizerFile.Load(path);
        Assert.AreEqual(model.Config, loaded.Config);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var pixels = rand([2, 3, 2, 16, 16]) * 2 - 1;
        using var a = model.forward(pixels);
        using var b = loaded.forward(pixels);
        Assert.IsTrue(a.Reconstruction.eq(b.Reconstruction).all().item<bool>(), "reconstructions differ after reload");
    }

    [TestMethod]
    public void Bf16_tensors_round_trip_through_safetensors()
    {
        string path = Path.Combine(_dir, "bf16.safetensors");
        using var scope = NewDisposeScope();
        var t = randn(3, 5).to(ScalarType.BFloat16);
        var i = arange(7, dtype: ScalarType.Int64);
        SafeTensorsFile.Write(path, [("a.b", t), ("idx", i)], new Dictionary<string, string> { ["k"] = "v" });
        var file = SafeTensorsFile.Open(path);
        Assert.AreEqual("v", file.Metadata["k"]);
        Assert.IsTrue(file.Read("a.b").eq(t).all().item<bool>());
        Assert.IsTrue(file.Read("idx").eq(i).all().item<bool>());
    }

    [TestMethod]
    public void Bytes_in_memory_hold_and_load_what_the_file_holds()
    {
        string path = Path.Combine(_dir, "t.safetensors");
        using var model = Tiny();
        TokenizerFile.Save(model, path);
        var bytes = TokenizerFile.ToBytes(model);
        CollectionAssert.AreEqual(File.ReadAllBytes(path), bytes, "the in-memory bytes are the file's");
        using var loaded = TokenizerFile.Load(SafeTensorsFile.FromBytes(bytes, "the tokenizer in memory"));
        using var scope = NewDisposeScope();
        foreach (var (name, t) in model.state_dict()) Assert.IsTrue(t.eq(loaded.state_dict()[name]).all().item<bool>(), name);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensorsFile.FromBytes(bytes[..^100], "the tokenizer in memory"));
        StringAssert.Contains(e.Message, "'the tokenizer in memory'");
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void Truncated_file_is_rejected_naming_the_sizes()
    {
        string path = SavedTiny();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void Header_that_lies_about_its_length_is_rejected()
    {
        string path = SavedTiny();
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length * 2);
        File.WriteAllBytes(path, bytes);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(path)).Message, "header claims");
    }

    [TestMethod]
    public void Header_that_lies_about_a_tensor_span_is_rejected_naming_the_tensor()
    {
        string path = SavedTiny();
        var bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        // Make decoder.norm.weight's shape claim twice as many numbers as its span holds.
        string before = "\"decoder.norm.weight\":{\"dtype\":\"F32\",\"shape\":[96]";
        Assert.IsTrue(header.Contains(before), header[..200]);
        string lie = header.Replace(before, "\"decoder.norm.weight\":{\"dtype\":\"F32\",\"shape\":[97]");
        Encoding.UTF8.GetBytes(lie).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(path));
        StringAssert.Contains(e.Message, "decoder.norm.weight");
    }

    [TestMethod]
    public void Garbage_and_foreign_files_are_rejected()
    {
        string garbage = Path.Combine(_dir, "garbage.safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(garbage)).Message, "too short");

        string foreign = Path.Combine(_dir, "foreign.safetensors");
        using (var scope = NewDisposeScope()) SafeTensorsFile.Write(foreign, [("w", zeros(2))]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(foreign)).Message, "not a ViTok tokenizer");

        Assert.ThrowsExactly<FileNotFoundException>(() => TokenizerFile.Load(Path.Combine(_dir, "missing.safetensors")));
    }

    [TestMethod]
    public void Mismatched_weights_leave_the_model_untouched_and_name_the_tensor()
    {
        string path = SavedTiny();
        var config = ViTokConfig.FromVariant("N-N/2x8", channels: 8, imageSize: 16, frames: 2);
        using var other = new ViTokAutoEncoder(config);
        var before = other.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ModuleWeights.Load(other, SafeTensorsFile.Open(path)));
        StringAssert.Contains(e.Message, "encoder.to_moments.weight");
        foreach (var (name, t) in other.state_dict())
            Assert.IsTrue(t.eq(before[name]).all().item<bool>(), $"{name} changed although loading failed");
        foreach (var t in before.Values) t.Dispose();
    }

    [TestMethod]
    public void Saving_over_an_existing_file_is_atomic()
    {
        string path = SavedTiny();
        long length = new FileInfo(path).Length;
        using var model = Tiny();
        TokenizerFile.Save(model, path);
        Assert.AreEqual(length, new FileInfo(path).Length);
        Assert.AreEqual(1, Directory.GetFiles(_dir).Length, "temporary files were left behind");
    }

    string SavedTiny()
    {
        string path = Path.Combine(_dir, "tiny.safetensors");
        using var model = Tiny();
        TokenizerFile.Save(model, path);
        return path;
    }
}
