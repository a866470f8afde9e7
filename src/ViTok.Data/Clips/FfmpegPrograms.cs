using FFMpegCore;

namespace ViTok.Models.Clips;

/// <summary>
/// The ffmpeg and ffprobe programs that <see cref="VideoFileSource"/> runs through FFMpegCore, found up front so
/// that a missing program fails once, clearly, instead of on the first clip.
/// </summary>
public sealed class FfmpegPrograms
{
    FfmpegPrograms(string ffmpeg, string ffprobe, FFOptions options)
    {
        Ffmpeg = ffmpeg;
        Ffprobe = ffprobe;
        Options = options;
    }

    /// <summary>Full path of ffmpeg.</summary>
    public string Ffmpeg { get; }

    /// <summary>Full path of ffprobe.</summary>
    public string Ffprobe { get; }

    /// <summary>FFMpegCore options that make it run exactly these programs (passed to every call; the global options are never changed).</summary>
    public FFOptions Options { get; }

    /// <summary>
    /// Finds ffmpeg and ffprobe in <paramref name="folder"/>, or on PATH when it is null or empty. Throws
    /// <see cref="FileNotFoundException"/> naming the missing program and where it was looked for.
    /// </summary>
    public static FfmpegPrograms Locate(string? folder = null)
    {
        if (!string.IsNullOrEmpty(folder))
        {
            string dir = Path.GetFullPath(folder);
            string ffmpeg = Require(dir, "ffmpeg"), ffprobe = Require(dir, "ffprobe");
            return new FfmpegPrograms(ffmpeg, ffprobe, new FFOptions { BinaryFolder = dir });
        }
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string? onPathFfmpeg = FindOnPath(path, "ffmpeg"), onPathFfprobe = FindOnPath(path, "ffprobe");
        if (onPathFfmpeg is null || onPathFfprobe is null)
        {
            string missing = onPathFfmpeg is null ? "ffmpeg" : "ffprobe";
            throw new FileNotFoundException(
                $"The program '{missing}' was not found on PATH; video files are decoded by ffmpeg and probed by ffprobe. " +
                "Install them (Debian/Ubuntu: apt-get install ffmpeg) or give the folder that holds both (video source option ffmpeg=DIR).",
                missing);
        }
        // Both on PATH: let FFMpegCore resolve them by name, as the shell would.
        return new FfmpegPrograms(onPathFfmpeg, onPathFfprobe, new FFOptions());
    }

    static string Require(string dir, string name)
    {
        string? found = Candidates(dir, name).FirstOrDefault(File.Exists);
        return found ?? throw new FileNotFoundException(
            $"The program '{name}' was not found in '{dir}' (the folder given for ffmpeg); video files need ffmpeg and ffprobe there. " +
            "Install them (Debian/Ubuntu: apt-get install ffmpeg) or give the folder that holds both.",
            Path.Combine(dir, name));
    }

    static string? FindOnPath(string[] dirs, string name) =>
        dirs.SelectMany(d => Candidates(d, name)).FirstOrDefault(File.Exists);

    static IEnumerable<string> Candidates(string dir, string name)
    {
        yield return Path.Combine(dir, name);
        if (OperatingSystem.IsWindows()) yield return Path.Combine(dir, name + ".exe");
    }
}
