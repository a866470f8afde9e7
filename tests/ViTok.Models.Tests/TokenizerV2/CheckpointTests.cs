using System.Text.Json;
using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.TokenizerV2;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.TokenizerV2;

[TestClass]
public sealed class CheckpointTests
{
    string _temp = "";

    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestInitialize]
    public void Setup() => _temp = Directory.CreateTempSubdirectory("vitok-v2-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_temp, recursive: true);

    /// <summary>The three published 350M checkpoints: built from their variant string with random weights, saved in the
    /// published layout (bf16, one side at a time), every name and shape equals the manifest, and the shapes name the variant.</summary>
    [TestMethod]
    public void The350MVariantsSaveExactlyThePublishedTensorsAndAreRecognised()
    {
        foreach (int c in new[] { 16, 32, 64 })
        {
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(V2Fixture.Root, $"keys-350M-f16x{c}.json")));
            string variant = manifest.RootElement.GetProperty("variant").GetString()!;
            Assert.AreEqual($"Ld4-Ld24/1x16x{c}", variant);
            var config = ViTokV2Config.Parse(variant);
            string folder = Path.Combine(_temp, $"350M-f16x{c}");
            // Encoder and decoder are built and saved one at a time so the test never holds 1.4 GB of fp32 weights.
            foreach (var (side, file) in new[] { ("encoder", ViTokV2Checkpoint.EncoderFile), ("decoder", ViTokV2Checkpoint.DecoderFile) })
            {
                using (var model = new ViTokV2AutoEncoder(side == "encoder" ? config.EncoderOnly() : config.DecoderOnly()))
                    ViTokV2Checkpoint.Save(model, folder, ScalarType.BFloat16);
                var saved = SafeTensorsFile.Open(Path.Combine(folder, file));
                var expected = manifest.RootElement.GetProperty(side).EnumerateObject()
                    .ToDictionary(p => p.Name, p => string.Join(",", p.Value.EnumerateArray().Select(d => d.GetInt64())));
                var actual = saved.Entries.ToDictionary(e => e.Key, e => string.Join(",", e.Value.Shape));
                CollectionAssert.AreEquivalent(expected.Keys.ToList(), actual.Keys.ToList(), $"{variant} {side}: tensor names");
                foreach (var (name, shape) in expected) Assert.AreEqual(shape, actual[name], $"{variant} {side}: shape of {name}");
                long parameters = saved.Entries.Values.Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b));
                Assert.AreEqual(manifest.RootElement.GetProperty("parameters").GetProperty(side).GetInt64(), parameters, $"{variant} {side}: parameters");
                Assert.IsTrue(saved.Entries.Values.All(e => e.DType == ScalarType.BFloat16));
            }
            Assert.AreEqual(variant, ViTokV2Checkpoint.ReadConfig(folder).Variant);
            Assert.AreEqual(variant, ViTokV2Checkpoint.ReadConfig(folder).Variant);
            Assert.AreEqual("Ld4-?/1x16x" + c, ViTokV2Checkpoint.ReadConfig(folder, decoder: false).Variant);
            if (c == 64)
            {
                // The bf16 encoder loads (converted to fp32) and encodes a 256x256 image to 256 tokens.
                using var encoder = ViTokV2Checkpoint.Load(folder, decoder: false);
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var (patches, grid) = NaFlexPatches.Patchify(rand(3, 256, 256) * 2 - 1, 16);
                var z = encoder.Encode(patches.unsqueeze(0), grid);
                CollectionAssert.AreEqual(new long[] { 1, 256, 64 }, z.shape);
                Assert.IsFalse(z.isnan().any().ToBoolean());
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void VariantStringsParseAsTheReferenceDoes()
    {
        var l = ViTokV2Config.Parse("Ld4-Ld24/1x16x64");
        Assert.AreEqual(new V2Stack(1024, 4, 16), l.Encoder);
        Assert.AreEqual(new V2Stack(1024, 24, 16), l.Decoder);
        Assert.AreEqual(16, l.Patch);
        Assert.AreEqual(64, l.Channels);
        Assert.AreEqual(2736, l.EncoderStack.MlpHidden(l.MlpFactor));             // the manifest's fc2 width
        var cost = V2Cost.Of(l, 256);
        Assert.AreEqual(51_258_944, cost.Encoder.Params);                            // the manifest's parameter counts
        Assert.AreEqual(303_289_088, cost.Decoder.Params);
        var tiny = ViTokV2Config.Parse("w64_d2_h4-w96_d3_h4/1x8x16");
        Assert.AreEqual("w64_d2_h4-w96_d3_h4/1x8x16", tiny.Variant);
        Assert.AreEqual(new V2Stack(96, 3, 4), tiny.Decoder);
        Assert.AreEqual("Bd12-Bd12/1x16x32", ViTokV2Config.Parse("B/16x32").Variant);
        var fiveB = ViTokV2Config.Parse("Td4-T/1x32x128");                         // published 5B spelling kept
        Assert.AreEqual(new V2Stack(3072, 40, 24), fiveB.Decoder);
        Assert.AreEqual("Td4-T/1x32x128", (fiveB with { MlpFactor = 2.67 }).Variant);
        Assert.AreEqual("Td4-?/1x32x128", fiveB.EncoderOnly().Variant);
        Assert.ThrowsExactly<ArgumentException>(() => ViTokV2Config.Parse("Ld4-Ld24/2x16x64"));
        Assert.ThrowsExactly<ArgumentException>(() => ViTokV2Config.Parse("Qd4-Ld24/1x16x64"));
        Assert.ThrowsExactly<ArgumentException>(() => ViTokV2Config.Parse("w60_d2_h4/1x8x16"));  // head dim 15
    }

    [TestMethod]
    public void Bf16AndF16CheckpointsLoadAndEncoderOrDecoderAloneWork()
    {
        var fixture = V2Fixture.Open("tiny");
        using var full = ViTokV2Checkpoint.Load(fixture.Folder);
        foreach (var dtype in new[] { ScalarType.BFloat16, ScalarType.Float16 })
        {
            string folder = Path.Combine(_temp, dtype.ToString());
            ViTokV2Checkpoint.Save(full, folder, dtype);
            using var loaded = ViTokV2Checkpoint.Load(folder);
            Assert.AreEqual(fixture.Variant, loaded.Config.Variant);
            foreach (var (name, weight) in full.state_dict())
            {
                using var rounded = weight.to(dtype).to(ScalarType.Float32);
                Assert.IsTrue(rounded.eq(loaded.state_dict()[name]).all().ToBoolean(), $"{dtype}: {name}");
            }
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var encoder = ViTokV2Checkpoint.Load(fixture.Folder, decoder: false);
        using var decoder = ViTokV2Checkpoint.Load(fixture.Folder, encoder: false);
        var (patches, grid) = NaFlexPatches.Patchify(fixture.Io.Read("0.image"), 8);
        var z = encoder.Encode(patches.unsqueeze(0), grid);
        V2Fixture.AssertClose(fixture.Io.Read("0.out_patches"), decoder.Decode(z, grid)[0], "encoder-only then decoder-only");
        var noDecoder = Assert.ThrowsExactly<InvalidOperationException>(() => encoder.Decode(z, grid));
        StringAssert.Contains(noDecoder.Message, "no decoder");
        Assert.ThrowsExactly<InvalidOperationException>(() => decoder.Encode(patches.unsqueeze(0), grid));
    }

    [TestMethod]
    public void EveryBadTensorIsNamed()
    {
        var fixture = V2Fixture.Open("tiny");
        string folder = Path.Combine(_temp, "bad");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(fixture.Folder, "decoder.safetensors"), Path.Combine(folder, "decoder.safetensors"));
        var encoder = SafeTensorsFile.Open(Path.Combine(fixture.Folder, "encoder.safetensors"));
        var tensors = encoder.Entries.Keys
            .Where(n => n != "encoder_blocks.1.ffn.fc1.weight")                                       // missing
            .Select(n => n == "encoder_blocks.0.layer_scale.gamma" ? (n, zeros(65)) : (n, encoder.Read(n))) // mis-shaped
            .Append(("encoder_blocks.0.attn.q_bias", zeros(64)))                                      // unknown
            .ToList();
        SafeTensorsFile.Write(Path.Combine(folder, "encoder.safetensors"), tensors);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ViTokV2Checkpoint.Load(folder));
        StringAssert.Contains(e.Message, "lacks 'encoder_blocks.1.ffn.fc1.weight' [352, 64]");
        StringAssert.Contains(e.Message, "'encoder_blocks.0.layer_scale.gamma' is [65], the w64_d2_h4-w96_d3_h4/1x8x16 model expects [64]");
        StringAssert.Contains(e.Message, "unexpected tensor 'encoder_blocks.0.attn.q_bias' [64]");
        StringAssert.Contains(e.Message, "3 problems");

        // Halves of different models, and a folder without either file, are named too.
        string other = Path.Combine(V2Fixture.Root, "p4-m3");
        File.Copy(Path.Combine(other, "decoder.safetensors"), Path.Combine(folder, "decoder.safetensors"), overwrite: true);
        File.Copy(Path.Combine(fixture.Folder, "encoder.safetensors"), Path.Combine(folder, "encoder.safetensors"), overwrite: true);
        var halves = Assert.ThrowsExactly<InvalidDataException>(() => ViTokV2Checkpoint.Load(folder));
        StringAssert.Contains(halves.Message, "not halves of one model");
        var none = Assert.ThrowsExactly<FileNotFoundException>(() => ViTokV2Checkpoint.Load(_temp));
        StringAssert.Contains(none.Message, "encoder.safetensors");
    }

    [TestMethod]
    public void TokenBudgetKeepsTheAspectRatioAsTheReference()
    {
        Assert.AreEqual((40, 56), NaFlexPatches.FitToTokenBudget(40, 56, 8, 35));   // fits: unchanged
        Assert.AreEqual((352, 176), NaFlexPatches.FitToTokenBudget(1000, 500, 16, 256)); // 63x32 grid -> 22x11
        Assert.AreEqual((10, 208), NaFlexPatches.FitToTokenBudget(10, 300, 16, 10)); // 1x19 grid -> 1x13, never above the original side
        using var scope = NewDisposeScope();
        var resized = NaFlexPatches.ResizeToTokenBudget(rand(3, 1000, 500), 16, 256);
        CollectionAssert.AreEqual(new long[] { 3, 352, 176 }, resized.shape);
        Assert.IsTrue(PatchGrid.ForImage(352, 176, 16).Count <= 256);
    }
}

/// <summary>ViTok-v2 folders get the checks that ViTok files get (issue 25): NaN weights, and blocks that do not add up.</summary>
[TestClass]
public sealed class CheckpointIntegrityTests
{
    string _temp = "";

    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestInitialize]
    public void Setup() => _temp = Directory.CreateTempSubdirectory("vitok-v2-integrity-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_temp, recursive: true);

    string Tiny => Path.Combine(V2Fixture.Root, "tiny");

    [TestMethod]
    public void A_nan_weight_is_refused_naming_the_file_and_the_tensor()
    {
        using (var model = ViTokV2Checkpoint.Load(Tiny))
        {
            using var _ = no_grad();
            var weight = model.state_dict()["decoder_blocks.1.ffn.fc2.weight"];
            weight[0, 0] = tensor(float.NaN);
            ViTokV2Checkpoint.Save(model, _temp);
        }
        var e = Assert.Throws<InvalidDataException>(() => ViTokV2Checkpoint.Load(_temp));
        StringAssert.Contains(e.Message, "decoder.safetensors");
        StringAssert.Contains(e.Message, "'decoder_blocks.1.ffn.fc2.weight' holds NaN");
        ViTokV2Checkpoint.Load(_temp, decoder: false).Dispose();   // the encoder alone is sound
    }

    [TestMethod]
    public void A_folder_declaring_its_variant_is_checked_against_it()
    {
        foreach (var f in new[] { ViTokV2Checkpoint.EncoderFile, ViTokV2Checkpoint.DecoderFile }) File.Copy(Path.Combine(Tiny, f), Path.Combine(_temp, f));
        string config = Path.Combine(_temp, ViTokV2Checkpoint.ConfigFile);
        File.WriteAllText(config, """{"variant": "w64_d2_h4-w96_d3_h4/1x8x16"}""");
        ViTokV2Checkpoint.Load(_temp).Dispose();
        // The fixture's encoder has 2 blocks: one "removed" from a 3-block encoder gives these same files.
        File.WriteAllText(config, """{"variant": "w64_d3_h4-w96_d3_h4/1x8x16"}""");
        var e = Assert.Throws<InvalidDataException>(() => ViTokV2Checkpoint.Load(_temp));
        StringAssert.Contains(e.Message, "the encoder has 2 blocks of width 64 with 4 heads, declared 3");
        e = Assert.Throws<InvalidDataException>(() => ViTokV2Checkpoint.ReadConfig(_temp));
        StringAssert.Contains(e.Message, "w64_d3_h4-w96_d3_h4/1x8x16");
        File.WriteAllText(config, "{}");
        StringAssert.Contains(Assert.Throws<InvalidDataException>(() => ViTokV2Checkpoint.Load(_temp)).Message, "no \"variant\"");
    }

    [TestMethod]
    public void A_published_checkpoint_with_a_block_missing_at_the_end_is_refused()
    {
        // The shapes of the published Ld4-Ld24/1x16x64 with the last encoder block removed, and a decoder one short.
        var shallow = ViTokV2Config.Parse("Ld3-Ld24/1x16x64");
        var e = Assert.Throws<InvalidDataException>(() => ViTokV2Checkpoint.CheckComplete(shallow, null, "folder/encoder.safetensors"));
        StringAssert.Contains(e.Message, "the encoder has 3 blocks where the published Ld4-Ld24/1x16x64");
        StringAssert.Contains(e.Message, "encoder_blocks.3 to 3 are missing");
        e = Assert.Throws<InvalidDataException>(() => ViTokV2Checkpoint.CheckComplete(ViTokV2Config.Parse("Ld4-Ld23/1x16x32"), null, "x"));
        StringAssert.Contains(e.Message, "the decoder has 23 blocks");
        // The published model itself, one of one's own declared in config.json, and an unrelated small model pass.
        ViTokV2Checkpoint.CheckComplete(ViTokV2Config.Parse("Ld4-Ld24/1x16x64"), null, "x");
        ViTokV2Checkpoint.CheckComplete(shallow, "Ld3-Ld24/1x16x64", "x");
        ViTokV2Checkpoint.CheckComplete(ViTokV2Config.Parse("w64_d2_h4-w96_d3_h4/1x8x16"), null, "x");
    }
}
