using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ClipTensorsTests
{
    [TestMethod]
    public void Stacking_clips_of_different_sizes_names_the_odd_one()
    {
        var a = new Clip(new float[3 * 4], 1, 2, 2, -1, "a.png");
        var b = new Clip(new float[3 * 6], 1, 2, 3, -1, "b.png");
        var e = Assert.ThrowsExactly<ArgumentException>(() => ClipTensors.Stack([a, b]));
        StringAssert.Contains(e.Message, "'b.png' is 1x2x3");
        StringAssert.Contains(e.Message, "'a.png' is 1x2x2");
    }

    [TestMethod]
    public void Stacking_keeps_channel_major_layout()
    {
        var pixels = Enumerable.Range(0, 3 * 2 * 2 * 3).Select(i => i / 100f).ToArray();
        var clip = new Clip(pixels, 2, 2, 3, 0, "x");
        using var t = ClipTensors.Stack([clip, clip]);
        CollectionAssert.AreEqual(new long[] { 2, 3, 2, 2, 3 }, t.shape);
        // [b=1, c=2, t=1, h=0, w=2] is element ((2 * 2 + 1) * 2 + 0) * 3 + 2 = 32 of a clip.
        Assert.AreEqual(pixels[32], t[1, 2, 1, 0, 2].item<float>());
    }
}
