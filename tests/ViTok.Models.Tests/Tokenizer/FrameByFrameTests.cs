using TorchSharp;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Tokenizer;

[TestClass]
public sealed class FrameByFrameTests
{
    [TestMethod]
    public void Each_frame_is_reconstructed_as_the_image_tokenizer_reconstructs_it_alone()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        var generator = new Generator(5);
        var clips = rand([2, 3, 3, 16, 16], generator: generator) * 2 - 1;     // 2 clips of 3 frames
        var clipsOut = FrameByFrame.Reconstruct(model, clips, batchSize: 4);    // batches cut across clips
        CollectionAssert.AreEqual(clips.shape, clipsOut.shape);

        using var _ = no_grad();
        var frame = clips[1, .., 2].unsqueeze(0).unsqueeze(2);                  // clip 1, frame 2 as [1, 3, 1, H, W]
        using var posterior = model.Encode(frame);
        var alone = model.Decode(posterior.Mean).clamp(-1, 1)[0, .., 0];
        Assert.IsTrue(clipsOut[1, .., 2].allclose(alone, 1e-5, 1e-5));
        Assert.AreEqual(3 * 4L * 4, FrameByFrame.LatentSize(model.Config, 3));  // 3 frames x 4 tokens x c = 4
    }

    [TestMethod]
    public void Video_tokenizers_and_clips_of_the_wrong_size_are_rejected()
    {
        using var scope = NewDisposeScope();
        var video = ViTokConfig.FromVariant("N-N/2x8", channels: 4, imageSize: 16, frames: 4);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => FrameByFrame.LatentSize(video, 4)).Message, "image tokenizer");
        using var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => FrameByFrame.Reconstruct(model, zeros([1, 3, 2, 8, 8]))).Message, "[B, 3, T, 16, 16]");
    }
}
