using ViTok.Models.Clips;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>The file formats `vitok generate` writes a generated clip in.</summary>
public enum ClipFormat
{
    /// <summary>An animated, looping GIF (no extra program needed).</summary>
    Gif,
    /// <summary>An H.264 MP4, encoded by ffmpeg.</summary>
    Mp4,
    /// <summary>Both files.</summary>
    Both,
}

/// <summary>
/// Writes `vitok generate`'s clips: each sample as NNNNN.gif and/or NNNNN.mp4 (<see cref="ClipFormat"/>) and the
/// grid clip grid.gif (a row per class, frame t of every clip in frame t). ffmpeg is looked for once, up front, when
/// MP4 is asked for.
/// </summary>
sealed class ClipFiles
{
    public static class Defaults
    {
        public const ClipFormat Format = ClipFormat.Gif;
    }

    readonly ClipFormat _format;
    readonly FfmpegPrograms? _ffmpeg;

    /// <param name="option">The option that chose the format, named in the error when ffmpeg is missing.</param>
    public ClipFiles(ClipFormat format, string option)
    {
        _format = format;
        if (format == ClipFormat.Gif) return;
        try { _ffmpeg = FfmpegPrograms.Locate(); }
        catch (FileNotFoundException e)
        {
            throw new UsageException($"{option} {format.ToString().ToLowerInvariant()}: MP4 clips are encoded by ffmpeg, and '{Path.GetFileName(e.FileName)}' was not found on PATH " +
                                     $"(ffmpeg and ffprobe are needed). Install them (Debian/Ubuntu: apt-get install ffmpeg) or use {option} gif.");
        }
    }

    /// <summary>Writes one clip [3, T, H, W] in [-1, 1] as <paramref name="pathWithoutExtension"/>.gif and/or .mp4.</summary>
    public void Save(Tensor clip, string pathWithoutExtension)
    {
        if (_format != ClipFormat.Mp4)
        {
            using var scope = NewDisposeScope();
            AnimatedGif.Save(AnimatedGif.EncodeGrid([[clip]]), pathWithoutExtension + ".gif");
        }
        if (_ffmpeg is not null) Mp4Clip.Save(_ffmpeg, clip, pathWithoutExtension + ".mp4");
    }

    /// <summary>Writes the grid clip: <paramref name="rows"/> of clips [3, T, H, W], a row per class, as one animated GIF.</summary>
    public static void SaveGrid(IReadOnlyList<IReadOnlyList<Tensor>> rows, string path) => AnimatedGif.Save(AnimatedGif.EncodeGrid(rows), path);
}
