using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class VideoFileSourceTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestFiles.NewFolder("video");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>24 frames whose grey level is 10 x frame index: a decoded pixel tells which frame it came from.</summary>
    string Ramp(string name, string[] codec) =>
        TestVideos.Encode(Path.Combine(_dir, name), 24, 32, 24, (t, _) => (byte)(10 * t), codec);

    static int[] FrameLevels(Clip clip) =>
        Enumerable.Range(0, clip.Frames).Select(t => (int)ClipPixels.ToRgb24(clip, t)[3 * (12 * clip.Width + 16)]).ToArray();

    static void AssertLevels(int[] expected, int[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.IsLessThanOrEqualTo(3, Math.Abs(expected[i] - actual[i]), $"{what}: frame levels [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
    }

    [TestMethod]
    public void Clips_take_frames_at_the_stride_and_step()
    {
        string file = Ramp("ramp.mp4", TestVideos.Mp4);
        var source = new VideoFileSource(file, new VideoFileOptions { Frames = 4, FrameStep = 2, Stride = 5 });

        Assert.AreEqual(new VideoInfo(file, 32, 24, 10, 24), source.Videos[0]);
        Assert.AreEqual(7, source.Span);
        Assert.AreEqual(4, source.Count, "starts 0, 5, 10, 15; 20 + 6 is past frame 23");
        var first = source.Read(0, new Random(0));
        Assert.AreEqual((4, 24, 32, -1, file + "#0"), (first.Frames, first.Height, first.Width, first.Label, first.Origin));
        AssertLevels([0, 20, 40, 60], FrameLevels(first), "clip 0");
        var last = source.Read(3, new Random(0));
        Assert.AreEqual(file + "#15", last.Origin);
        AssertLevels([150, 170, 190, 210], FrameLevels(last), "clip 3");
    }

    [TestMethod]
    public void Frame_count_falls_back_to_duration_and_default_stride_is_frames_times_step()
    {
        string file = Ramp("ramp.mkv", TestVideos.Mkv);
        var source = new VideoFileSource(file, new VideoFileOptions { Frames = 8 });
        Assert.AreEqual(24, source.Videos[0].FrameCount);
        Assert.AreEqual(3, source.Count);
        AssertLevels([160, 170, 180, 190, 200, 210, 220, 230], FrameLevels(source.Read(2, new Random(0))), "last clip");
    }

    [TestMethod]
    public void Transform_resizes_crops_and_flips_every_frame_alike()
    {
        // Left half dark, right half bright, all frames.
        string file = TestVideos.Encode(Path.Combine(_dir, "halves.mp4"), 6, 64, 32, (_, x) => x < 32 ? (byte)20 : (byte)220, TestVideos.Mp4);
        var source = new VideoFileSource(file, new VideoFileOptions
        {
            Frames = 3,
            Transform = new ImageTransform { ResizeShorterSide = 16, CropHeight = 16, CropWidth = 16, FlipProbability = 1 },
        });
        var clip = source.Read(1, new Random(0));
        Assert.AreEqual((3, 16, 16), (clip.Frames, clip.Height, clip.Width));
        for (int t = 0; t < 3; t++)
        {
            var rgb = ClipPixels.ToRgb24(clip, t);
            Assert.IsGreaterThan(200, (int)rgb[3 * (8 * 16 + 0)], $"frame {t}: left edge should be bright after the flip");
            Assert.IsLessThan(40, (int)rgb[3 * (8 * 16 + 15)], $"frame {t}: right edge should be dark after the flip");
        }
    }

    [TestMethod]
    public void Folder_of_videos_is_sorted_and_clips_are_numbered_across_files()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "b"));
        string second = TestVideos.Encode(Path.Combine(_dir, "b", "x.mkv"), 12, 16, 16, (t, _) => (byte)(10 * t), TestVideos.Mkv);
        string first = TestVideos.Encode(Path.Combine(_dir, "a.mkv"), 8, 16, 16, (t, _) => (byte)(10 * t), TestVideos.Mkv);
        File.WriteAllText(Path.Combine(_dir, "readme.txt"), "not a video");
        var source = new VideoFileSource(_dir, new VideoFileOptions { Frames = 4 });
        CollectionAssert.AreEqual(new[] { first, second }, source.Videos.Select(v => v.Path).ToArray());
        Assert.AreEqual(2 + 3, source.Count);
        Assert.AreEqual((second, 4L), (source.Locate(3).Video.Path, source.Locate(3).StartFrame));
        StringAssert.Contains(source.Description, "2 file(s), 5 clips of 4 frames");
    }

    [TestMethod]
    public void Damaged_video_raises_bad_item_naming_the_file()
    {
        string file = TestVideos.Encode(Path.Combine(_dir, "noise.mp4"), 24, 32, 24, (t, x) => (byte)((t * 37 + x * 101) % 251), TestVideos.Mp4);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);   // index intact at the front, frames cut
        var source = new VideoFileSource(file, new VideoFileOptions { Frames = 4 });
        Assert.AreEqual(6, source.Count, "the probe still trusts the index");
        var e = Assert.ThrowsExactly<BadItemException>(() => source.Read(5, new Random(0)));
        Assert.AreEqual(file + "#20", e.Origin);
        StringAssert.Contains(e.Message, file);
    }

    [TestMethod]
    public void Unreadable_video_is_rejected_when_probed_naming_the_file()
    {
        TestVideos.Ffmpeg();
        string file = Path.Combine(_dir, "garbage.mp4");
        File.WriteAllText(file, "this is not a video");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new VideoFileSource(file));
        StringAssert.Contains(e.Message, file);
    }

    [TestMethod]
    public void Too_short_videos_are_an_error_saying_how_many_frames_a_clip_needs()
    {
        string file = Ramp("ramp.mkv", TestVideos.Mkv);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new VideoFileSource(file, new VideoFileOptions { Frames = 13, FrameStep = 2 }));
        StringAssert.Contains(e.Message, "25 frames");
        StringAssert.Contains(e.Message, "24");
    }

    [TestMethod]
    public void Missing_ffmpeg_folder_is_named_before_any_file_is_touched()
    {
        string folder = Path.Combine(_dir, "no-ffmpeg-here");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() =>
            new VideoFileSource(Path.Combine(_dir, "absent.mp4"), new VideoFileOptions { FfmpegFolder = folder }));
        StringAssert.Contains(e.Message, "'ffmpeg'");
        StringAssert.Contains(e.Message, folder);
        StringAssert.Contains(e.Message, "apt-get install ffmpeg");
    }

    [TestMethod]
    public void Folder_with_ffmpeg_but_without_ffprobe_names_ffprobe()
    {
        string folder = Path.Combine(_dir, "half");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "ffmpeg"), "");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => FfmpegPrograms.Locate(folder));
        StringAssert.Contains(e.Message, "'ffprobe'");
        Assert.AreEqual(Path.Combine(folder, "ffprobe"), e.FileName);
    }
}
