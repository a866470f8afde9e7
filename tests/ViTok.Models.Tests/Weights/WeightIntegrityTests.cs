using TorchSharp;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Weights;

/// <summary>Issue 12: non-finite weights are refused at load; the DiT state dict is DiT's (the timestep MLP once).</summary>
[TestClass]
public sealed class WeightIntegrityTests
{
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(3);
        _dir = Directory.CreateTempSubdirectory("vitok-integrity-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void A_tokenizer_file_with_a_nan_weight_is_refused_naming_the_tensor()
    {
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        string path = Path.Combine(_dir, "nan.safetensors");
        var state = model.state_dict().Select(kv => (kv.Key, kv.Value)).ToList();
        string victim = state.First(s => s.Key.Contains("weight")).Key;
        using (no_grad()) model.state_dict()[victim].view(-1)[0].fill_(double.NaN.ToScalar());
        TokenizerFile.Save(model, path);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFile.Load(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, $"'{victim}'");
        StringAssert.Contains(e.Message, "NaN or infinite");
    }

    [TestMethod]
    [DataRow("[2147483648, 2147483648, 2147483648]", "does not fit in 64 bits")]
    [DataRow("[2147483648, 2147483648]", "needs more bytes than 64 bits can count")]
    public void A_header_with_a_shape_too_large_to_count_is_refused_naming_the_file_and_tensor(string shape, string why)
    {
        // An F32 tensor of shape [2^31, 2^31] (2^62 elements, 2^64 bytes): "Arithmetic operation resulted in an overflow." named nothing.
        string header = "{\"huge\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}";
        var bytes = new List<byte>(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[4]);
        string path = Path.Combine(_dir, "huge.safetensors");
        File.WriteAllBytes(path, bytes.ToArray());
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensorsFile.Open(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "'huge'");
        StringAssert.Contains(e.Message, why);
    }

    [TestMethod]
    public void The_dit_state_dict_holds_the_timestep_mlp_once_and_older_files_with_a_copy_still_load()
    {
        var config = new DiTConfig { Size = DiTSize.N, Channels = 4, Classes = 3, Grid = new TokenGrid(1, 2, 2) };
        using var dit = new DiT(config);
        var keys = dit.state_dict().Keys.ToList();
        CollectionAssert.Contains(keys, "t_embedder.mlp.0.weight");
        CollectionAssert.Contains(keys, "t_embedder.mlp.2.bias");
        Assert.IsFalse(keys.Any(k => k.Contains("_first") || k.Contains("_second")), string.Join(", ", keys.Where(k => k.Contains('_'))));

        // An older file: the same tensors plus the copies under t_embedder._first / _second.
        var state = dit.state_dict();
        var older = state.Select(kv => (kv.Key, kv.Value)).Concat(TimestepEmbedder.LegacyCopies.Select(c => (c.Key, state[c.Value]))).ToList();
        string path = Path.Combine(_dir, "older.safetensors");
        SafeTensorsFile.Write(path, older);
        using var loaded = new DiT(config);
        ModuleWeights.Load(loaded, SafeTensorsFile.Open(path), TimestepEmbedder.LegacyCopies);
        foreach (var (name, value) in loaded.state_dict()) Assert.IsTrue(value.equal(state[name]).all().item<bool>(), name);

        // A copy that differs from the tensor it duplicates is a damaged file.
        using var changed = state["t_embedder.mlp.0.bias"].clone().add_(1.0.ToScalar());
        SafeTensorsFile.Write(path, older.Select(t => t.Key == "t_embedder._first.bias" ? (t.Key, changed) : t).ToList());
        using var other = new DiT(config);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ModuleWeights.Load(other, SafeTensorsFile.Open(path), TimestepEmbedder.LegacyCopies));
        StringAssert.Contains(e.Message, "'t_embedder._first.bias' (an older copy of 't_embedder.mlp.0.bias') differs");
    }
}
