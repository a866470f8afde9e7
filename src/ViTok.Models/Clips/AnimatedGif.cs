using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace ViTok.Models.Clips;

/// <summary>Clips as an animated GIF (looping), for previews: frame t shows frame t of every clip side by side.</summary>
public static class AnimatedGif
{
    /// <summary>
    /// Encodes <paramref name="clips"/> [N, 3, T, H, W] in [-1, 1] as one looping GIF of T frames, each frame a row of
    /// the N clips' frame t with a 2-pixel gap; <paramref name="frameMilliseconds"/> per frame (GIF counts in 10 ms).
    /// </summary>
    public static byte[] Encode(Tensor clips, int frameMilliseconds = 125)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.dim() != 5 || clips.shape[1] != 3)
            throw new ArgumentException($"Clips must be [N, 3, T, H, W]; got [{string.Join(", ", clips.shape)}].", nameof(clips));
        if (frameMilliseconds < 10) throw new ArgumentOutOfRangeException(nameof(frameMilliseconds), frameMilliseconds, "GIF frames last at least 10 ms.");
        int frames = (int)clips.shape[2];
        Image<Rgb24>? gif = null;
        try
        {
            for (int t = 0; t < frames; t++)
            {
                using var scope = NewDisposeScope();
                var row = Enumerable.Range(0, (int)clips.shape[0]).Select(i => clips[i, .., t]).ToList();
                using var frame = ImageGrid.Render([row], gap: 2);
                frame.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = frameMilliseconds / 10;
                if (gif is null)
                {
                    gif = frame.Clone();
                    gif.Metadata.GetGifMetadata().RepeatCount = 0;
                }
                else gif.Frames.AddFrame(frame.Frames.RootFrame);
            }
            using var stream = new MemoryStream();
            gif!.SaveAsGif(stream);
            return stream.ToArray();
        }
        finally
        {
            gif?.Dispose();
        }
    }
}
