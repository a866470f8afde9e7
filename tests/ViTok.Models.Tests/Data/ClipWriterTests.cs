using System.Diagnostics;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Data;

/// <summary>The clip writers: grid GIFs (read back with ImageSharp) and MP4 through ffmpeg (read back with ffprobe and ffmpeg).</summary>
[TestClass]
public sealed class ClipWriterTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-clipwriter-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void A_grid_gif_has_a_frame_per_clip_frame_and_a_row_per_list()
    {
        using var scope = NewDisposeScope();
        var black = full([3, 6, 4, 4], -1f);
        var flash = full([3, 6, 4, 4], -1f);
        flash[.., 3] = ones(3, 4, 4);                                           // frame 3 white
        string path = Path.Combine(_dir, "grid.gif");
        AnimatedGif.Save(AnimatedGif.EncodeGrid([[black, black, black], [flash]], frameMilliseconds: 50), path);
        using var gif = Image.Load<Rgb24>(path);
        Assert.AreEqual(6, gif.Frames.Count);
        Assert.AreEqual(3 * (4 + 2) + 2, gif.Width);
        Assert.AreEqual(2 * (4 + 2) + 2, gif.Height);
        Assert.AreEqual(5, gif.Frames[3].Metadata.GetGifMetadata().FrameDelay);
        Assert.AreEqual(new Rgb24(255, 255, 255), gif.Frames[3][3, 9]);          // row 1, clip 0, frame 3
        Assert.AreEqual(new Rgb24(0, 0, 0), gif.Frames[2][3, 9]);
        Assert.AreEqual(new Rgb24(255, 255, 255), gif.Frames[3][9, 9]);          // the rest of row 1 is background
        Assert.IsFalse(File.Exists(path + ".tmp"));
        Assert.ThrowsExactly<ArgumentException>(() => AnimatedGif.EncodeGrid([[black, full([3, 5, 4, 4], 0f)]]));
    }

    [TestMethod]
    [DataRow(16, 16, 16, 16)]
    [DataRow(15, 17, 16, 18)]                                                   // odd sides padded to even (yuv420p)
    public void An_mp4_round_trips_through_ffmpeg_with_its_frames_and_size(int height, int width, int expectedHeight, int expectedWidth)
    {
        using var scope = NewDisposeScope();
        var clip = full([3, 5, height, width], -1f);
        clip[.., 2] = ones(3, height, width);                                  // frame 2 white, the others black
        string path = Path.Combine(_dir, "clip.mp4");
        Mp4Clip.Save(FfmpegPrograms.Locate(), clip, path, frameMilliseconds: 100);
        Assert.IsFalse(File.Exists(path + ".tmp"));

        using var probe = JsonDocument.Parse(Run("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_frames,width,height,codec_name,avg_frame_rate", "-of", "json", path).Text);
        var stream = probe.RootElement.GetProperty("streams")[0];
        Assert.AreEqual("5", stream.GetProperty("nb_read_frames").GetString());
        Assert.AreEqual(expectedWidth, stream.GetProperty("width").GetInt32());
        Assert.AreEqual(expectedHeight, stream.GetProperty("height").GetInt32());
        Assert.AreEqual("h264", stream.GetProperty("codec_name").GetString());
        Assert.AreEqual("10/1", stream.GetProperty("avg_frame_rate").GetString());

        // Decoded back: the white frame is white and the black ones black (within the codec's rounding; padding is black, at the right and bottom).
        byte[] raw = Run("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-").Bytes;
        int frameBytes = expectedWidth * expectedHeight;
        Assert.AreEqual(5 * frameBytes, raw.Length);
        double Mean(int t) => Enumerable.Range(0, height).SelectMany(y => Enumerable.Range(0, width).Select(x => (double)raw[t * frameBytes + y * expectedWidth + x])).Average();   // the clip's pixels, not the padding
        Assert.IsGreaterThan(230, Mean(2));
        foreach (int t in new[] { 0, 1, 3, 4 }) Assert.IsLessThan(25, Mean(t), $"frame {t}");
    }

    [TestMethod]
    public void A_failing_ffmpeg_is_an_error_with_its_message_and_leaves_nothing()
    {
        using var scope = NewDisposeScope();
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        foreach (string name in new[] { "ffmpeg", "ffprobe" })
        {
            string program = Path.Combine(bin, name);
            File.WriteAllText(program, "#!/bin/sh\ncat > /dev/null\necho 'Unknown encoder libx264' >&2\nexit 3\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        string path = Path.Combine(_dir, "clip.mp4");
        var e = Assert.ThrowsExactly<IOException>(() => Mp4Clip.Save(FfmpegPrograms.Locate(bin), zeros(3, 2, 4, 4), path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "exit code 3");
        StringAssert.Contains(e.Message, "Unknown encoder libx264");
        Assert.IsFalse(File.Exists(path));
        Assert.IsFalse(File.Exists(path + ".tmp"));
    }

    static (string Text, byte[] Bytes) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, errors.Result);
        byte[] bytes = output.ToArray();
        return (System.Text.Encoding.UTF8.GetString(bytes), bytes);
    }
}
