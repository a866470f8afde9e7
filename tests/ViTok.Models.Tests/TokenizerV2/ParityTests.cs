using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.TokenizerV2;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.TokenizerV2;

/// <summary>The port computes what the reference computes: every fixture item, every intermediate the fixture holds.</summary>
[TestClass]
public sealed class ParityTests
{
    [ClassInitialize]
    public static void Init(TestContext _) => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void TinyFixtureMatchesTheReference() => MatchesTheReference("tiny");

    [TestMethod]
    public void EveryShippedFixtureMatchesTheReference()
    {
        var names = V2Fixture.Names.ToList();
        Assert.IsTrue(names.Count >= 2, "the tiny fixture and at least one other ship with the tests");
        foreach (var name in names) MatchesTheReference(name);
    }

    static void MatchesTheReference(string name)
    {
        var fixture = V2Fixture.Open(name);
        using var model = ViTokV2Checkpoint.Load(fixture.Folder);
        Assert.AreEqual(fixture.Variant, model.Config.Variant, $"{name}: inferred variant");
        using var _ = no_grad();
        for (int i = 0; i < fixture.Items.Count; i++)
        {
            using var scope = NewDisposeScope();
            var (h, w, rows, cols) = fixture.Items[i];
            var image = fixture.Io.Read($"{i}.image");
            var (patches, grid) = NaFlexPatches.Patchify(image, model.Config.Patch);
            Assert.AreEqual(new PatchGrid(rows, cols), grid, $"{name} item {i}: grid");
            Assert.AreEqual(0.0, (patches - fixture.Io.Read($"{i}.patches")).abs().max().ToDouble(), $"{name} item {i}: patches (F.unfold order, zero padding)");
            CollectionAssert.AreEqual(fixture.Io.Read($"{i}.row").data<long>().ToArray(), grid.Positions()[.., 0].to(ScalarType.Int64).data<long>().ToArray(), $"{name} item {i}: rows");
            CollectionAssert.AreEqual(fixture.Io.Read($"{i}.col").data<long>().ToArray(), grid.Positions()[.., 1].to(ScalarType.Int64).data<long>().ToArray(), $"{name} item {i}: cols");

            var batch = patches.unsqueeze(0);
            V2Fixture.AssertClose(fixture.Io.Read($"{i}.embed"), model.Embed(batch)[0], $"{name} item {i}: embed");
            var z = model.Encode(batch, grid);
            V2Fixture.AssertClose(fixture.Io.Read($"{i}.z"), z[0], $"{name} item {i}: z");
            // The decoder is checked on the reference's own latent, so its error does not include the encoder's.
            var outPatches = model.Decode(fixture.Io.Read($"{i}.z").unsqueeze(0), grid)[0];
            V2Fixture.AssertClose(fixture.Io.Read($"{i}.out_patches"), outPatches, $"{name} item {i}: out_patches");
            var outImage = NaFlexPatches.Unpatchify(model.Decode(z, grid)[0], grid, model.Config.Patch, h, w);
            V2Fixture.AssertClose(fixture.Io.Read($"{i}.out_image"), outImage, $"{name} item {i}: out_image (end to end)");
        }
    }
}
