using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace ViTok.Models.Clips;

/// <summary>
/// A clip as an H.264 MP4 file, encoded by ffmpeg from raw RGB frames piped to it (libx264, yuv420p so that common
/// players show it; yuv420p needs even sizes, so an odd width or height is padded by one black pixel).
/// </summary>
public static class Mp4Clip
{
    /// <summary>
    /// Writes <paramref name="clip"/> [3, T, H, W] in [-1, 1] to <paramref name="path"/> atomically (temporary file,
    /// then rename), each frame lasting <paramref name="frameMilliseconds"/>. A failing ffmpeg throws
    /// <see cref="IOException"/> with its error output; nothing is left at <paramref name="path"/>.
    /// </summary>
    public static void Save(FfmpegPrograms programs, Tensor clip, string path, int frameMilliseconds = AnimatedGif.Defaults.FrameMilliseconds)
    {
        ArgumentNullException.ThrowIfNull(programs);
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.dim() != 4 || clip.shape[0] != 3)
            throw new ArgumentException($"A clip must be [3, T, H, W]; got [{string.Join(", ", clip.shape)}].", nameof(clip));
        if (frameMilliseconds < 1) throw new ArgumentOutOfRangeException(nameof(frameMilliseconds), frameMilliseconds, "Frames last at least 1 ms.");
        int frames = (int)clip.shape[1], height = (int)clip.shape[2], width = (int)clip.shape[3];
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        var psi = new ProcessStartInfo(programs.Ffmpeg) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        string rate = (1000.0 / frameMilliseconds).ToString("R", CultureInfo.InvariantCulture);
        foreach (string a in (string[])["-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-r", rate, "-i", "-",
                     "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", temp])
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new IOException($"Could not start '{programs.Ffmpeg}'.");
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using (var input = process.StandardInput.BaseStream)
                for (int t = 0; t < frames; t++)
                {
                    using var scope = NewDisposeScope();
                    input.Write(ImageFiles.ToRgb24(clip[.., t]));
                }
        }
        catch (IOException) { /* ffmpeg stopped reading: its exit code and message below say why */ }
        process.WaitForExit();
        string message = errors.Result.Trim();
        if (process.ExitCode != 0 || !File.Exists(temp))
        {
            File.Delete(temp);
            throw new IOException($"ffmpeg ('{programs.Ffmpeg}') could not write '{full}' (exit code {process.ExitCode}): {message}");
        }
        File.Move(temp, full, overwrite: true);
    }
}
