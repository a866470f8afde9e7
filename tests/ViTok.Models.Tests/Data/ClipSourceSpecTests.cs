using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ClipSourceSpecTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestFiles.NewFolder("spec");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Parses_scheme_argument_and_options()
    {
        var spec = ClipSourceSpec.Parse("Folder:/data/my photos?labels=subfolders&flip=0.5");
        Assert.AreEqual(("folder", "/data/my photos"), (spec.Scheme, spec.Argument));
        Assert.AreEqual("subfolders", spec.Options["labels"]);
        Assert.AreEqual("0.5", spec.Options["flip"]);

        var windows = ClipSourceSpec.Parse(@"video:C:\clips\a.mp4?frames=8");
        Assert.AreEqual((@"C:\clips\a.mp4", "8"), (windows.Argument, windows.Options["frames"]));

        Assert.IsNull(ClipSourceSpec.Parse("fashion-mnist").Argument);
        Assert.AreEqual("test", ClipSourceSpec.Parse("fashion-mnist?split=test").Options["split"]);
        Assert.AreEqual("fashion-mnist", ClipSourceSpec.Parse("synthetic-video:fashion-mnist?dir=/x").Argument);
    }

    [TestMethod]
    public void The_canonical_form_ignores_spacing_key_order_case_and_relative_paths()
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, _dir);
        string a = ClipSourceSpec.Parse($" Folder:{relative}/?flip=0.5&resize=64 ").Canonical;
        string b = ClipSourceSpec.Parse($"folder:{_dir}?resize=64&flip=0.5").Canonical;
        Assert.AreEqual($"folder:{Path.GetFullPath(_dir)}?flip=0.5&resize=64", a);
        Assert.AreEqual(a, b);
        Assert.AreNotEqual(a, ClipSourceSpec.Parse($"folder:{_dir}?resize=64&flip=0.25").Canonical);
        Assert.AreEqual("fashion-mnist?split=test", ClipSourceSpec.Parse("fashion-mnist?split=test").Canonical);
    }

    [TestMethod]
    [DataRow("webcam:0", "unknown scheme 'webcam'")]
    [DataRow("folder", "needs a path")]
    [DataRow("folder:?flip=1", "needs a path")]
    [DataRow("video:", "needs a path")]
    [DataRow("", "is empty")]
    [DataRow("synthetic:noise", "unknown kind 'noise'")]
    [DataRow("folder:/x?colour=red", "unknown key 'colour'")]
    [DataRow("folder:/x?flip", "'flip' where KEY=VALUE")]
    [DataRow("folder:/x?flip=1&flip=0", "key 'flip' twice")]
    [DataRow("synthetic-video:sprites?dir=/x", "dir=")]
    [DataRow("synthetic:shapes?frames=3", "unknown key 'frames'")]
    public void Syntax_errors_quote_the_text(string text, string problem)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ClipSourceSpec.Parse(text));
        StringAssert.Contains(e.Message, $"'{text}'");
        StringAssert.Contains(e.Message, problem);
    }

    [TestMethod]
    [DataRow("synthetic?size=abc", "size=abc")]
    [DataRow("synthetic?size=0", "size=0")]
    [DataRow("synthetic?count=-2", "count=-2")]
    [DataRow("synthetic?flip=2", "flip=2")]
    [DataRow("synthetic?crop-mode=left", "crop-mode=left")]
    [DataRow("synthetic?crop=8x0", "Crop must be")]
    [DataRow("synthetic-video?frames=x", "frames=x")]
    public void Bad_values_quote_the_text(string text, string problem)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ClipSourceSpec.Open(text));
        StringAssert.Contains(e.Message, $"'{text}'");
        StringAssert.Contains(e.Message, problem);
    }

    [TestMethod]
    public void Folder_takes_the_default_size_unless_image_keys_are_given()
    {
        TestFiles.SolidImage(Path.Combine(_dir, "cats", "a.png"), 40, 30, new Rgb24(1, 2, 3));
        var square = ClipSourceSpec.Open($"folder:{_dir}", new ClipSourceDefaults(Size: 16)).Read(0, new Random(0));
        Assert.AreEqual((16, 16), (square.Height, square.Width));

        var own = ClipSourceSpec.Open($"folder:{_dir}?resize=10&labels=subfolders", new ClipSourceDefaults(Size: 16));
        Assert.AreEqual("cats", own.ClassNames.Single());
        var clip = own.Read(0, new Random(0));
        Assert.AreEqual((10, 13, 0), (clip.Height, clip.Width, clip.Label));

        var native = ClipSourceSpec.Open($"folder:{_dir}").Read(0, new Random(0));
        Assert.AreEqual((30, 40), (native.Height, native.Width));

        var cropped = ClipSourceSpec.Open($"folder:{_dir}?crop=20x10&crop-mode=random&flip=1").Read(0, new Random(0));
        Assert.AreEqual((10, 20), (cropped.Height, cropped.Width));

        // Flip and crop mode alone keep the default size.
        var flipped = ClipSourceSpec.Open($"folder:{_dir}?flip=0.5&crop-mode=random", new ClipSourceDefaults(Size: 16)).Read(0, new Random(0));
        Assert.AreEqual((16, 16), (flipped.Height, flipped.Width));
    }

    [TestMethod]
    public void Fashion_mnist_directory_split_size_and_fit()
    {
        TestFiles.FashionMnist(_dir, "t10k", [3, 1], gzip: false);
        var source = ClipSourceSpec.Open($"fashion-mnist:{_dir}?split=test&size=28");
        Assert.AreEqual(2, source.Count);
        Assert.AreEqual((28, 1), (source.Read(0, new Random(0)).Width, source.Read(1, new Random(0)).Label));
        StringAssert.Contains(ClipSourceSpec.Open($"fashion-mnist:{_dir}?split=test", new ClipSourceDefaults(Size: 64)).Description, "64x64, resize");
        StringAssert.Contains(ClipSourceSpec.Open($"fashion-mnist:{_dir}?split=test").Description, "32x32, pad");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => ClipSourceSpec.Open($"fashion-mnist:{_dir}"));
        StringAssert.Contains(e.Message, "train-images-idx3-ubyte");
    }

    [TestMethod]
    public void Synthetic_sources_take_count_size_frames_and_seed()
    {
        var images = ClipSourceSpec.Open("synthetic:shapes?count=3&size=20x10&seed=2");
        var clip = images.Read(2, new Random(0));
        Assert.AreEqual((3, 10, 20), (images.Count, clip.Height, clip.Width));
        CollectionAssert.AreNotEqual(clip.Pixels, ClipSourceSpec.Open("synthetic?count=3&size=20x10").Read(2, new Random(0)).Pixels);

        var video = ClipSourceSpec.Open("synthetic-video:sprites?count=2&frames=3&size=16", new ClipSourceDefaults(Size: 64, Frames: 9));
        var v = video.Read(1, new Random(0));
        Assert.AreEqual((2, 3, 16, 16), (video.Count, v.Frames, v.Height, v.Width));
        Assert.AreEqual(9, ClipSourceSpec.Open("synthetic-video", new ClipSourceDefaults(Frames: 9)).Read(0, new Random(0)).Frames);

        TestFiles.FashionMnist(_dir, "train", [7, 7], gzip: true);
        var fm = ClipSourceSpec.Open($"synthetic-video:fashion-mnist?dir={_dir}&count=2&frames=2&size=16");
        Assert.AreEqual(7, fm.Read(0, new Random(0)).Label);
    }

    [TestMethod]
    public void Video_passes_frames_step_stride_and_the_ffmpeg_folder()
    {
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => ClipSourceSpec.Open($"video:{_dir}/a.mp4?ffmpeg={_dir}/bin"));
        StringAssert.Contains(e.Message, $"{_dir}/bin");

        string file = TestVideos.Encode(Path.Combine(_dir, "ramp.mkv"), 24, 16, 16, (t, _) => (byte)(10 * t), TestVideos.Mkv);
        var source = (VideoFileSource)ClipSourceSpec.Open($"video:{file}?frames=4&step=2&stride=5", new ClipSourceDefaults(Size: 8));
        Assert.AreEqual(4, source.Count);
        StringAssert.Contains(source.Description, "4 clips of 4 frames, step 2, stride 5");
    }
}
