using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace ViTok.Models.Clips;

/// <summary>Clips as an animated GIF (looping): frame t shows frame t of every clip, side by side or as a grid.</summary>
public static class AnimatedGif
{
    /// <summary>The defaults of the GIF and MP4 clip writers.</summary>
    public static class Defaults
    {
        /// <summary>How long each frame shows (8 frames a second).</summary>
        public const int FrameMilliseconds = 125;
    }

    /// <summary>
    /// Encodes <paramref name="clips"/> [N, 3, T, H, W] in [-1, 1] as one looping GIF of T frames, each frame a row of
    /// the N clips' frame t with a 2-pixel gap; <paramref name="frameMilliseconds"/> per frame (GIF counts in 10 ms).
    /// </summary>
    public static byte[] Encode(Tensor clips, int frameMilliseconds = Defaults.FrameMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.dim() != 5 || clips.shape[1] != 3)
            throw new ArgumentException($"Clips must be [N, 3, T, H, W]; got [{string.Join(", ", clips.shape)}].", nameof(clips));
        using var scope = NewDisposeScope();
        return EncodeGrid([Enumerable.Range(0, (int)clips.shape[0]).Select(i => clips[i]).ToList()], frameMilliseconds);
    }

    /// <summary>
    /// Encodes a grid of clips, <paramref name="rows"/> of clips [3, T, H, W] in [-1, 1] (all the same shape), as one
    /// looping GIF of T frames: frame t is the grid (<see cref="ImageGrid"/>, 2-pixel gap) of every clip's frame t.
    /// </summary>
    public static byte[] EncodeGrid(IReadOnlyList<IReadOnlyList<Tensor>> rows, int frameMilliseconds = Defaults.FrameMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0 || rows[0].Count == 0) throw new ArgumentException("The grid is empty.", nameof(rows));
        if (frameMilliseconds < 10) throw new ArgumentOutOfRangeException(nameof(frameMilliseconds), frameMilliseconds, "GIF frames last at least 10 ms.");
        var first = rows[0][0];
        foreach (var clip in rows.SelectMany(r => r))
            if (clip.dim() != 4 || clip.shape[0] != 3 || !clip.shape.SequenceEqual(first.shape))
                throw new ArgumentException($"Grid clips must all be [3, T, H, W] of one shape; got [{string.Join(", ", clip.shape)}] beside [{string.Join(", ", first.shape)}].", nameof(rows));
        int frames = (int)first.shape[1];
        Image<Rgb24>? gif = null;
        try
        {
            for (int t = 0; t < frames; t++)
            {
                using var scope = NewDisposeScope();
                var grid = rows.Select(r => (IReadOnlyList<Tensor>)r.Select(clip => clip[.., t]).ToList()).ToList();
                using var frame = ImageGrid.Render(grid, gap: 2);
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

    /// <summary>Writes <paramref name="gif"/> bytes to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Save(byte[] gif, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        File.WriteAllBytes(temp, gif);
        File.Move(temp, full, overwrite: true);
    }
}
