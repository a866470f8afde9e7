using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Tokenizer;

/// <summary>
/// The PyTorch peer of the performance comparison (bench/peer/vitok_peer.py) is the same function as our
/// <see cref="ViTokAutoEncoder"/>: each fixture under tests/Fixtures/peer is a tokenizer file the peer wrote (random
/// weights under our parameter names, loaded here strictly) with its inputs and fp32 outputs; we recompute them.
/// Regenerate with the commands in tests/Fixtures/peer/README.md.
/// </summary>
[TestClass]
public sealed class PeerParityTests
{
    static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures", "peer");

    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestMethod]
    [DataRow("w32d2h2-w32d1h2_4-Rope3D")]
    [DataRow("w24d1h2-w24d2h2_2x4-Rope3D")]
    [DataRow("w24d1h2-w24d1h2_4-Rope1D")]
    [DataRow("w24d1h2-w24d1h2_4-SinCos")]
    [DataRow("w24d1h2-w24d1h2_2x4-Learned")]
    public void Encode_and_decode_equal_the_PyTorch_peer(string name)
    {
        using var model = TokenizerFile.Load(Path.Combine(Root, name + ".safetensors"));
        var io = SafeTensorsFile.Open(Path.Combine(Root, name + ".io.safetensors"));
        Assert.AreEqual(io.Metadata["config"], model.Config.ToJson(), "the fixture's configuration");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var posterior = model.Encode(io.Read("pixels"));
        AssertClose(io.Read("mean"), posterior.Mean, $"{name}: posterior mean");
        AssertClose(io.Read("logvar"), posterior.LogVar, $"{name}: log-variance");
        AssertClose(io.Read("kl"), posterior.Kl().reshape(1), $"{name}: KL");
        AssertClose(io.Read("decoded"), model.Decode(io.Read("mean")), $"{name}: decoded pixels");
    }

    [TestMethod]
    public void Every_fixture_is_tested()
    {
        var names = Directory.GetFiles(Root, "*.io.safetensors").Select(f => Path.GetFileName(f)[..^".io.safetensors".Length]).Order();
        var tested = typeof(PeerParityTests).GetMethod(nameof(Encode_and_decode_equal_the_PyTorch_peer))!
            .GetCustomAttributes(typeof(DataRowAttribute), false).Cast<DataRowAttribute>().Select(d => (string)d.Data[0]!).Order();
        CollectionAssert.AreEqual(names.ToList(), tested.ToList());
    }

    /// <summary>max |actual - expected| &lt;= 1e-4 x max |expected| (fp32, different libtorch builds and kernels).</summary>
    static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape");
        using var scope = NewDisposeScope();
        double scale = expected.abs().max().ToDouble();
        double diff = (actual.to(ScalarType.Float32) - expected).abs().max().ToDouble();
        Assert.IsTrue(diff <= 1e-4 * scale, $"{what}: max abs difference {diff:E3} exceeds 1e-4 x {scale:G4}");
    }
}
