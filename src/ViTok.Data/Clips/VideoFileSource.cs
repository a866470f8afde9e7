using System.Globalization;
using System.Text.Json;
using FFMpegCore;

namespace ViTok.Models.Clips;

/// <summary>Options of <see cref="VideoFileSource"/>.</summary>
public sealed record VideoFileOptions
{
    /// <summary>File extensions read when the source is a folder (lower case, with the dot).</summary>
    public static IReadOnlyList<string> DefaultExtensions { get; } = [".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v", ".mpg", ".mpeg", ".ogv"];

    /// <summary>Frames per clip, T (default 16).</summary>
    public int Frames { get; init; } = 16;

    /// <summary>Take every k-th frame of the video (default 1 = consecutive frames).</summary>
    public int FrameStep { get; init; } = 1;

    /// <summary>Frames between the first frames of two successive clips of one video; 0 (default) = T x step, clips that just touch.</summary>
    public int Stride { get; init; }

    /// <summary>Resize, crop and flip, decided once per clip and applied to all its frames (by ffmpeg's scale, crop and hflip filters).</summary>
    public ImageTransform Transform { get; init; } = ImageTransform.None;

    /// <summary>Folder holding ffmpeg and ffprobe; null = find them on PATH.</summary>
    public string? FfmpegFolder { get; init; }
}

/// <summary>
/// Clips of T frames cut from video files by ffmpeg (through FFMpegCore). Each video is probed once (ffprobe: size,
/// frame rate, frame count from nb_frames or else duration x average frame rate); clip k of a video starts at frame
/// k x stride and takes frames start, start + step, ... Decoding a clip seeks to its first frame and streams exactly
/// its frames as raw rgb24 through a pipe, so memory holds one clip, never the video. Files are sorted ordinally by
/// relative path. ffmpeg and ffprobe (5.1 or newer: frames are passed through with -fps_mode passthrough) are looked
/// for up front (<see cref="FfmpegPrograms.Locate"/>). Frame positions come from the average frame rate, so with
/// variable-frame-rate files a clip may start a frame off; a clip the video cannot fill raises <see cref="BadItemException"/>.
/// </summary>
public sealed class VideoFileSource : IClipSource
{
    readonly VideoFileOptions _options;
    readonly FfmpegPrograms _programs;
    readonly VideoInfo[] _videos;
    readonly long[] _firstClip;   // prefix sums of clip counts, length = videos + 1
    readonly int _stride;

    /// <summary>
    /// Probes <paramref name="path"/> (a video file, or a folder searched recursively for videos). Throws
    /// <see cref="FileNotFoundException"/> when ffmpeg/ffprobe are missing, and <see cref="InvalidDataException"/>
    /// naming the file when a video cannot be probed.
    /// </summary>
    public VideoFileSource(string path, VideoFileOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _options = options ?? new VideoFileOptions();
        if (_options.Frames < 1) throw new ArgumentException($"Video clip frames must be positive, not {_options.Frames}.", nameof(options));
        if (_options.FrameStep < 1) throw new ArgumentException($"Video frame step must be positive, not {_options.FrameStep}.", nameof(options));
        if (_options.Stride < 0) throw new ArgumentException($"Video clip stride must be 0 (= frames x step) or positive, not {_options.Stride}.", nameof(options));
        _options.Transform.Validate();
        _stride = _options.Stride > 0 ? _options.Stride : _options.Frames * _options.FrameStep;
        _programs = FfmpegPrograms.Locate(_options.FfmpegFolder);

        Root = Path.GetFullPath(path);
        string[] files;
        if (File.Exists(Root)) files = [Root];
        else if (Directory.Exists(Root))
        {
            files = Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
                .Where(f => VideoFileOptions.DefaultExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .OrderBy(f => Path.GetRelativePath(Root, f).Replace('\\', '/'), StringComparer.Ordinal)
                .ToArray();
            if (files.Length == 0)
                throw new ArgumentException($"Video folder '{Root}' holds no video ({string.Join(", ", VideoFileOptions.DefaultExtensions)}).", nameof(path));
        }
        else throw new FileNotFoundException($"Video file or folder '{Root}' does not exist.", Root);

        _videos = files.Select(Probe).ToArray();
        _firstClip = new long[_videos.Length + 1];
        int span = Span;
        for (int i = 0; i < _videos.Length; i++)
        {
            long clips = _videos[i].FrameCount >= span ? (_videos[i].FrameCount - span) / _stride + 1 : 0;
            _firstClip[i + 1] = _firstClip[i] + clips;
        }
        if (_firstClip[^1] == 0)
            throw new ArgumentException(
                $"No video under '{Root}' has the {span} frames one clip needs ({_options.Frames} frames, step {_options.FrameStep}); " +
                $"the longest has {_videos.Max(v => v.FrameCount)}.", nameof(options));
        if (_firstClip[^1] > int.MaxValue) throw new ArgumentException($"'{Root}' gives more than {int.MaxValue} clips; use a larger stride.", nameof(options));
    }

    /// <summary>The file or folder given, as a full path.</summary>
    public string Root { get; }

    /// <summary>The probed videos in order.</summary>
    public IReadOnlyList<VideoInfo> Videos => _videos;

    /// <summary>Frames of the video that one clip covers: (T - 1) x step + 1.</summary>
    public int Span => (_options.Frames - 1) * _options.FrameStep + 1;

    /// <inheritdoc/>
    public string Description =>
        $"video {Root} ({_videos.Length} file(s), {Count} clips of {_options.Frames} frames, step {_options.FrameStep}, stride {_stride})";

    /// <inheritdoc/>
    public int Count => (int)_firstClip[^1];

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => [];

    /// <summary>Which video and which first frame item <paramref name="index"/> is.</summary>
    public (VideoInfo Video, long StartFrame) Locate(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int v = Array.BinarySearch(_firstClip, index);
        v = v >= 0 ? v : ~v - 1;
        while (_firstClip[v + 1] <= index) v++;   // skip videos with no clip
        return (_videos[v], (index - _firstClip[v]) * _stride);
    }

    /// <inheritdoc/>
    public Clip Read(int index, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var (video, start) = Locate(index);
        string origin = $"{video.Path}#{start}";
        var plan = _options.Transform.IsIdentity ? null : _options.Transform.Plan(video.Width, video.Height, rng);
        int outW = plan?.Crop.Width ?? video.Width, outH = plan?.Crop.Height ?? video.Height;
        int frames = _options.Frames, frameBytes = outW * outH * 3;

        var filters = new List<string>();
        if (_options.FrameStep > 1) filters.Add($"select=not(mod(n\\,{_options.FrameStep}))");
        if (plan is not null)
        {
            if (plan.ResizedWidth != video.Width || plan.ResizedHeight != video.Height)
                filters.Add($"scale={plan.ResizedWidth}:{plan.ResizedHeight}:flags=bilinear");
            if (plan.Crop.Width != plan.ResizedWidth || plan.Crop.Height != plan.ResizedHeight)
                filters.Add($"crop={plan.Crop.Width}:{plan.Crop.Height}:{plan.Crop.X}:{plan.Crop.Y}");
            if (plan.Flip) filters.Add("hflip");
        }
        // Seek half a frame early: frame k is the first one whose time is not before (k - 0.5) / fps.
        double seek = start > 0 ? (start - 0.5) / video.FrameRate : 0;

        var pixels = new float[3 * frames * outH * outW];
        int got = 0;
        // ffmpeg writes raw RGB frames to its standard output, read here directly. (FFMpegCore's pipe sink, used
        // before, sometimes handed over no bytes at all for a short, fast decode: "ffmpeg gave 0 of the 4 frames".)
        var info = new System.Diagnostics.ProcessStartInfo(_programs.Ffmpeg)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "-nostdin", "-v", "error" }) info.ArgumentList.Add(arg);
        if (seek > 0) { info.ArgumentList.Add("-ss"); info.ArgumentList.Add(seek.ToString("0.######", CultureInfo.InvariantCulture)); }
        foreach (var arg in new[] { "-i", video.Path, "-an", "-sn", "-dn" }) info.ArgumentList.Add(arg);
        if (filters.Count > 0) { info.ArgumentList.Add("-vf"); info.ArgumentList.Add(string.Join(',', filters)); }
        foreach (var arg in new[] { "-fps_mode", "passthrough", "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1" })
            info.ArgumentList.Add(arg);
        string errors;
        int exit;
        try
        {
            using var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"{_programs.Ffmpeg} did not start.");
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.BaseStream;
            var buffer = new byte[frameBytes];
            while (got < frames)
            {
                int n = output.ReadAtLeast(buffer, frameBytes, throwOnEndOfStream: false);
                if (n < frameBytes) break;
                ClipPixels.WriteFrame(pixels, got, frames, outH, outW, buffer);
                got++;
            }
            output.CopyTo(Stream.Null);
            process.WaitForExit();
            errors = stderr.GetAwaiter().GetResult();
            exit = process.ExitCode;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new BadItemException(origin, $"ffmpeg could not decode frames {start}.. of the video: {Brief(e.Message)}", e);
        }
        if (exit != 0)
            throw new BadItemException(origin, $"ffmpeg could not decode frames {start}.. of the video (exit code {exit}): {Brief(errors)}");
        if (got < frames)
            throw new BadItemException(origin,
                $"ffmpeg gave {got} of the {frames} frames from frame {start} (step {_options.FrameStep}); the video is shorter than its probe said ({video.FrameCount} frames) or damaged.");
        return new Clip(pixels, frames, outH, outW, -1, origin);
    }

    VideoInfo Probe(string file)
    {
        IMediaAnalysis analysis;
        try
        {
            analysis = FFProbe.Analyse(file, _programs.Options);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new InvalidDataException($"'{file}' could not be probed by ffprobe: {Brief(e.Message)}", e);
        }
        var stream = analysis.PrimaryVideoStream
            ?? throw new InvalidDataException($"'{file}' has no video stream.");
        int width = stream.Width ?? 0, height = stream.Height ?? 0;
        if (width <= 0 || height <= 0) throw new InvalidDataException($"'{file}' has a video stream without a size.");
        if (Math.Abs(stream.Rotation) % 180 == 90) (width, height) = (height, width);   // ffmpeg auto-rotates when decoding
        double fps = stream.AverageFrameRate > 0 && double.IsFinite(stream.AverageFrameRate) ? stream.AverageFrameRate : stream.RealFrameRate;
        if (!(fps > 0) || !double.IsFinite(fps)) throw new InvalidDataException($"'{file}' has no usable frame rate.");

        long frames = NbFrames(analysis, stream.Index);
        if (frames <= 0)
        {
            double seconds = stream.Duration > TimeSpan.Zero ? stream.Duration.TotalSeconds : analysis.Duration.TotalSeconds;
            frames = (long)Math.Floor(seconds * fps + 1e-3);
        }
        if (frames <= 0) throw new InvalidDataException($"'{file}' reports neither a frame count nor a duration.");
        return new VideoInfo(file, width, height, fps, frames);
    }

    static long NbFrames(IMediaAnalysis analysis, int streamIndex)
    {
        var raw = analysis.Raw?.Streams?.FirstOrDefault(s => s.Index == streamIndex);
        if (raw?.ExtensionData is null || !raw.ExtensionData.TryGetValue("nb_frames", out var value)) return 0;
        string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString();
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : 0;
    }

    /// <summary>The last lines of a (possibly long) ffmpeg error, joined on one line.</summary>
    static string Brief(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? message : string.Join(" | ", lines.TakeLast(3));
    }
}

/// <summary>What ffprobe said about one video: displayed size (after rotation), average frame rate, frame count.</summary>
public sealed record VideoInfo(string Path, int Width, int Height, double FrameRate, long FrameCount);
