using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using ViTok.Models.Clips;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ImageGridTests
{
    [TestMethod]
    public void Png_grid_of_pairs_places_originals_beside_reconstructions()
    {
        using var scope = NewDisposeScope();
        var originals = full([3, 3, 4, 4], -1f);        // black
        var reconstructions = full([3, 3, 4, 4], 1f);   // white
        var rows = ImageGrid.Pairs(originals, reconstructions, 2);
        Assert.AreEqual(2, rows.Count);
        Assert.AreEqual(4, rows[0].Count);
        Assert.AreEqual(2, rows[1].Count);

        using var image = Image.Load<Rgb24>(ImageGrid.ToPng(rows, gap: 1));
        Assert.AreEqual(4 * (4 + 1) + 1, image.Width);
        Assert.AreEqual(2 * (4 + 1) + 1, image.Height);
        Assert.AreEqual(new Rgb24(0, 0, 0), image[1, 1]);            // first original
        Assert.AreEqual(new Rgb24(255, 255, 255), image[6, 1]);      // its reconstruction
        Assert.AreEqual(new Rgb24(0, 0, 0), image[11, 1]);           // second original
    }

    [TestMethod]
    public void Pairs_of_different_shapes_and_images_of_another_size_are_rejected()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => ImageGrid.Pairs(zeros(2, 3, 4, 4), zeros(2, 3, 4, 5), 1));
        var e = Assert.ThrowsExactly<ArgumentException>(() => ImageGrid.ToPng([[zeros(3, 4, 4), zeros(3, 5, 4)]]));
        StringAssert.Contains(e.Message, "(0, 1)");
    }

    [TestMethod]
    public void Animated_gif_has_a_frame_per_clip_frame_with_the_clips_side_by_side()
    {
        using var scope = NewDisposeScope();
        var clips = full([2, 3, 5, 4, 4], -1f);
        clips[1, .., 2] = ones(3, 4, 4);                                // clip 1, frame 2: white
        // Reading an image folder must not change how the rest of the process decodes GIFs (it once set the shared decoder to one frame).
        string folder = Path.Combine(Path.GetTempPath(), "vitok-gif-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            ImageFiles.Save(zeros(3, 4, 4), Path.Combine(folder, "a.png"));
            new ImageFolderSource(folder).Read(0, new Random(0));
        }
        finally { Directory.Delete(folder, true); }

        byte[] gif = AnimatedGif.Encode(clips, frameMilliseconds: 100);
        using var image = Image.Load<Rgb24>(gif);
        Assert.AreEqual(5, image.Frames.Count);
        Assert.AreEqual(2 * (4 + 2) + 2, image.Width);
        Assert.AreEqual(10, image.Frames[2].Metadata.GetGifMetadata().FrameDelay);
        Assert.AreEqual(new Rgb24(255, 255, 255), image.Frames[2][8, 3]);   // second clip's column in frame 2
        Assert.AreEqual(new Rgb24(0, 0, 0), image.Frames[1][8, 3]);
        Assert.AreEqual(new Rgb24(0, 0, 0), image.Frames[2][3, 3]);         // first clip stays black
    }
}
