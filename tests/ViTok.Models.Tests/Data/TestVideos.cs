using System.Diagnostics;
using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

/// <summary>Tiny videos made by ffmpeg for the tests. ffmpeg is required: without it these helpers fail the test.</summary>
static class TestVideos
{
    /// <summary>The ffmpeg to encode with; fails the calling test with the install hint when it is missing.</summary>
    public static string Ffmpeg()
    {
        try { return FfmpegPrograms.Locate().Ffmpeg; }
        catch (FileNotFoundException e)
        {
            Assert.Fail("The video tests need ffmpeg and ffprobe (the CI script installs the Debian package ffmpeg): " + e.Message);
            throw;
        }
    }

    /// <summary>
    /// Encodes <paramref name="frames"/> frames of <paramref name="width"/> x <paramref name="height"/> at 10 fps;
    /// <paramref name="pixel"/>(frame, x) gives the grey level of a column. Codec arguments pick the container's codec.
    /// </summary>
    public static string Encode(string path, int frames, int width, int height, Func<int, int, byte> pixel, params string[] codec)
    {
        var psi = new ProcessStartInfo(Ffmpeg())
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-r", "10", "-i", "-"])
            psi.ArgumentList.Add(a);
        foreach (string a in codec) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(path);
        using var process = Process.Start(psi)!;
        var errors = process.StandardError.ReadToEndAsync();
        var frame = new byte[width * height * 3];
        for (int t = 0; t < frames; t++)
        {
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    frame.AsSpan((y * width + x) * 3, 3).Fill(pixel(t, x));
            process.StandardInput.BaseStream.Write(frame);
        }
        process.StandardInput.Close();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"ffmpeg could not encode the test video {path}: {errors.Result}");
        return path;
    }

    /// <summary>H.264 in MP4 (lossless, yuv420p, index at the front): ffprobe reports nb_frames.</summary>
    public static readonly string[] Mp4 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-qp", "0", "-movflags", "+faststart"];

    /// <summary>FFV1 in Matroska: no nb_frames, so the frame count comes from the duration.</summary>
    public static readonly string[] Mkv = ["-c:v", "ffv1"];
}
