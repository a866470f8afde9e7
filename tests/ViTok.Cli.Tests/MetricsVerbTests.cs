using System.Text.Json;
using ViTok.Models.Clips;
using static TorchSharp.torch;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class MetricsVerbTests
{
    string _root = "";

    [TestInitialize]
    public void Init()
    {
        ViTok.Models.Runtime.TorchRuntime.EnsureLoaded();
        random.manual_seed(4);
        _root = Path.Combine(Path.GetTempPath(), $"vitok-metrics-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(_root, "ref"));
        Directory.CreateDirectory(Path.Combine(_root, "cand"));
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    string Ref => Path.Combine(_root, "ref");
    string Cand => Path.Combine(_root, "cand");

    /// <summary>Three 32x32 images; the candidates are the references plus noise of the given strength.</summary>
    void WritePairs(float noise, int count = 3, int size = 32)
    {
        using var scope = NewDisposeScope();
        for (int i = 0; i < count; i++)
        {
            var image = rand(3, size, size) * 2 - 1;
            ImageFiles.Save(image, Path.Combine(Ref, $"img{i}.png"));
            ImageFiles.Save((image + randn(3, size, size) * noise).clamp(-1, 1), Path.Combine(Cand, $"img{i}.png"));
        }
    }

    [TestMethod]
    public void Json_reports_psnr_ssim_fd_and_is()
    {
        WritePairs(0.1f);
        var (code, output, err) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand, "--json");
        Assert.AreEqual(0, code, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.AreEqual(3, root.GetProperty("pairs").GetInt32());
        double psnr = root.GetProperty("psnr").GetDouble();
        Assert.IsTrue(psnr is > 15 and < 30, $"PSNR {psnr}");
        double ssim = root.GetProperty("ssim").GetDouble();
        Assert.IsTrue(ssim is > 0 and < 1, $"SSIM {ssim}");
        Assert.IsGreaterThan(0, root.GetProperty("fd").GetDouble());
        Assert.AreEqual("FD-ResNet18", root.GetProperty("fd_label").GetString());
        Assert.AreEqual(JsonValueKind.Null, root.GetProperty("is").ValueKind, "the shipped ResNet18 has no classifier head");
        StringAssert.Contains(root.GetProperty("is_note").GetString(), "no classifier head");
        Assert.AreEqual(3, root.GetProperty("images").GetArrayLength());
    }

    [TestMethod]
    public void Identical_folders_give_infinite_psnr_ssim_one_and_zero_fd()
    {
        WritePairs(0f);
        var (code, output, err) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand, "--json");
        Assert.AreEqual(0, code, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.AreEqual("Infinity", root.GetProperty("psnr").GetString());
        Assert.AreEqual(1.0, root.GetProperty("ssim").GetDouble(), 1e-12);
        Assert.AreEqual(0.0, root.GetProperty("fd").GetDouble(), 1e-6);

        var (textCode, text, _) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand);
        Assert.AreEqual(0, textCode);
        StringAssert.Contains(text, "PSNR         infinity dB");
        StringAssert.Contains(text, "IS-ResNet18  n/a:");
    }

    [TestMethod]
    public void Unpaired_files_are_named()
    {
        WritePairs(0.1f, count: 2);
        File.Move(Path.Combine(Cand, "img1.png"), Path.Combine(Cand, "other.png"));
        var (code, _, err) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand);
        Assert.AreEqual(1, code);
        Assert.AreEqual(1, err.Trim().Split('\n').Length, err);
        StringAssert.Contains(err, "only in the reference folder");
        StringAssert.Contains(err, "img1.png");
        StringAssert.Contains(err, "other.png");
    }

    [TestMethod]
    public void Mismatched_sizes_are_named()
    {
        WritePairs(0.1f, count: 2);
        using (NewDisposeScope()) ImageFiles.Save(zeros(3, 40, 32), Path.Combine(Cand, "img1.png"));
        var (code, _, err) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand);
        Assert.AreEqual(1, code);
        StringAssert.Contains(err, "img1.png");
        StringAssert.Contains(err, "32x32");
        StringAssert.Contains(err, "32x40");
    }

    [TestMethod]
    public void Unreadable_images_are_named()
    {
        WritePairs(0.1f, count: 2);
        File.WriteAllText(Path.Combine(Cand, "img0.png"), "not a png");
        var (code, _, err) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand);
        Assert.AreEqual(1, code);
        StringAssert.Contains(err, Path.Combine(Cand, "img0.png"));
    }

    [TestMethod]
    public void Bad_options_are_usage_errors()
    {
        WritePairs(0.1f, count: 2);
        Assert.AreEqual(2, CliHarness.Run("metrics", "--reference", Ref).Code, "--candidate is required");
        var (code, _, err) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand, "--features", "/nonexistent.onnx");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--features");
        Assert.AreEqual(2, CliHarness.Run("metrics", "--reference", Path.Combine(_root, "missing"), "--candidate", Cand).Code);
        Assert.AreEqual(2, CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand, "--features-input", "rgb").Code);
    }

    [TestMethod]
    public void A_huge_image_header_is_refused_before_decoding_naming_the_file()
    {
        WritePairs(0.1f, count: 1);
        string bomb = Path.Combine(Cand, "img0.png");
        File.Delete(bomb);
        // A PNG header announcing 15000 x 15000 pixels: decoding such a file took the process to 24 GB before the guard.
        File.WriteAllBytes(bomb, PngHeader(15000, 15000));
        var (code, _, err) = CliHarness.Run("metrics", "--reference", Ref, "--candidate", Cand);
        Assert.AreEqual(1, code, err);
        StringAssert.Contains(err, bomb);
        StringAssert.Contains(err, "decompression-bomb guard");
    }

    [TestMethod]
    public void Threads_above_the_core_count_are_a_usage_error()
    {
        WritePairs(0.1f, count: 1);
        var (code, _, err) = CliHarness.Run("reconstruct", "--model", "x.safetensors", "--data", "synthetic", "--out", _root, "--threads", "100000");
        Assert.AreEqual(2, code, err);
        StringAssert.Contains(err, "--threads: 100000 is more than the");
    }

    /// <summary>A PNG that is only a header (IHDR of width x height, RGB 8-bit) and IEND: no pixel data.</summary>
    static byte[] PngHeader(int width, int height)
    {
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;
        var s = new MemoryStream();
        s.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(s, "IHDR", ihdr);
        Chunk(s, "IEND", []);
        return s.ToArray();

        static void Chunk(Stream s, string type, byte[] data)
        {
            var word = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
            s.Write(word);
            byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
            s.Write(typeAndData);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(word, Crc(typeAndData));
            s.Write(word);
        }

        static uint Crc(byte[] data)
        {
            uint c = 0xFFFFFFFF;
            foreach (byte b in data)
            {
                c ^= b;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }
            return ~c;
        }
    }
}
