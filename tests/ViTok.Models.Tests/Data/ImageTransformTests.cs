using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ImageTransformTests
{
    [TestMethod]
    public void Resize_keeps_the_aspect_and_centre_crop_is_centred()
    {
        var plan = ImageTransform.ResizeAndCrop(100).Plan(400, 200, new Random(0));
        Assert.AreEqual((200, 100), (plan.ResizedWidth, plan.ResizedHeight));
        Assert.AreEqual((50, 0, 100, 100), (plan.Crop.X, plan.Crop.Y, plan.Crop.Width, plan.Crop.Height));
        Assert.IsFalse(plan.Flip);
        Assert.AreEqual((100, 100), ImageTransform.ResizeAndCrop(100).OutputSize(400, 200));
        Assert.AreEqual((200, 100), new ImageTransform { ResizeShorterSide = 100 }.OutputSize(400, 200));
    }

    [TestMethod]
    public void Random_crop_stays_inside_and_follows_the_random_state()
    {
        var transform = new ImageTransform { CropWidth = 10, CropHeight = 20, Crop = CropMode.Random, FlipProbability = 0.5 };
        var seen = new HashSet<(int, int, bool)>();
        for (int seed = 0; seed < 50; seed++)
        {
            var plan = transform.Plan(30, 25, new Random(seed));
            Assert.AreEqual(plan, transform.Plan(30, 25, new Random(seed)));
            Assert.IsTrue(plan.Crop.X >= 0 && plan.Crop.Right <= 30 && plan.Crop.Y >= 0 && plan.Crop.Bottom <= 25, plan.Crop.ToString());
            seen.Add((plan.Crop.X, plan.Crop.Y, plan.Flip));
        }
        Assert.IsGreaterThan(20, seen.Count);
    }

    [TestMethod]
    [DataRow(-1, 0, 0, 0.0, "Resize")]
    [DataRow(0, 8, 0, 0.0, "Crop")]
    [DataRow(0, -8, -8, 0.0, "Crop")]
    [DataRow(0, 0, 0, 1.5, "Flip")]
    [DataRow(0, 0, 0, double.NaN, "Flip")]
    public void Out_of_range_options_are_named(int resize, int cropW, int cropH, double flip, string option)
    {
        var t = new ImageTransform { ResizeShorterSide = resize, CropWidth = cropW, CropHeight = cropH, FlipProbability = flip };
        var e = Assert.ThrowsExactly<ArgumentException>(t.Validate);
        StringAssert.StartsWith(e.Message, option);
    }
}
