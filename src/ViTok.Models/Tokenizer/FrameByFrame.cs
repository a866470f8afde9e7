using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// Video through an image tokenizer (tubelet depth q = 1, one frame): every frame is tokenized on its own, so a clip of
/// T frames costs T times the image's latent numbers. The baseline a temporal tubelet (q > 1) improves on.
/// </summary>
public static class FrameByFrame
{
    /// <summary>Latent numbers for a clip of <paramref name="frames"/> frames: frames x tokens x c of the image tokenizer.</summary>
    public static long LatentSize(ViTokConfig imageTokenizer, int frames)
    {
        ArgumentNullException.ThrowIfNull(imageTokenizer);
        CheckImageTokenizer(imageTokenizer);
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), frames, "A clip has at least one frame.");
        return frames * imageTokenizer.BottleneckSize;
    }

    /// <summary>
    /// Reconstructions [B, 3, T, H, W] (float32, on the CPU) of <paramref name="clips"/> [B, 3, T, H, W]: each frame encoded
    /// (posterior mean) and decoded by <paramref name="imageTokenizer"/>, <paramref name="batchSize"/> frames per pass.
    /// </summary>
    public static Tensor Reconstruct(ViTokAutoEncoder imageTokenizer, Tensor clips, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(imageTokenizer);
        ArgumentNullException.ThrowIfNull(clips);
        var config = imageTokenizer.Config;
        CheckImageTokenizer(config);
        if (clips.dim() != 5 || clips.shape[1] != 3 || clips.shape[3] != config.ImageSize || clips.shape[4] != config.ImageSize)
            throw new ArgumentException($"Clips must be [B, 3, T, {config.ImageSize}, {config.ImageSize}] for this tokenizer; got [{string.Join(", ", clips.shape)}].", nameof(clips));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "At least one frame per pass.");
        int b = (int)clips.shape[0], t = (int)clips.shape[2];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        imageTokenizer.eval();
        var device = imageTokenizer.parameters().First().device;
        var frames = clips.permute(0, 2, 1, 3, 4).reshape(b * t, 3, 1, config.ImageSize, config.ImageSize);   // [B*T, 3, 1, H, W]
        var outputs = new List<Tensor>();
        for (int i = 0; i < b * t; i += batchSize)
        {
            var x = frames[i..Math.Min(b * t, i + batchSize)].to(device);
            using var posterior = imageTokenizer.Encode(x);
            outputs.Add(imageTokenizer.Decode(posterior.Mean).to(ScalarType.Float32).cpu());
        }
        var decoded = PixelRange.Clamp(cat(outputs, 0));                                                      // [B*T, 3, 1, H, W]
        return decoded.reshape(b, t, 3, config.ImageSize, config.ImageSize).permute(0, 2, 1, 3, 4).contiguous().MoveToOuterDisposeScope();
    }

    static void CheckImageTokenizer(ViTokConfig config)
    {
        if (config.Frames != 1 || config.TubeletFrames != 1)
            throw new ArgumentException($"Frame-by-frame needs an image tokenizer (1 frame, q = 1); this one is {config.Variant} over {config.Frames} frames.");
    }
}
