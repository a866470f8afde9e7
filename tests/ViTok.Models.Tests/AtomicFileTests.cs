using ViTok.Models.Clips;
using ViTok.Models.Runtime;

namespace ViTok.Models.Tests;

/// <summary>Issue 12: a write that fails or is cancelled leaves no temporary file and the previous file as it was.</summary>
[TestClass]
public sealed class AtomicFileTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-atomic-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    string Target()
    {
        string path = Path.Combine(_dir, "out.bin");
        File.WriteAllText(path, "previous");
        return path;
    }

    [TestMethod]
    public void A_complete_write_replaces_the_file_and_leaves_no_temporary_file()
    {
        string path = Target();
        AtomicFile.Write(path, s => s.Write(new byte[10_000]));
        Assert.AreEqual(10_000, new FileInfo(path).Length);
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir));
    }

    [TestMethod]
    public void A_write_that_fails_midway_names_the_path_and_the_cause_and_keeps_the_previous_file()
    {
        string path = Target();
        string? temp = null;
        var e = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(path, s =>
        {
            temp = ((FileStream)s).Name;
            s.Write(new byte[100_000]);
            s.Flush();
            Assert.IsTrue(File.Exists(temp));
            throw new InvalidOperationException("Exception thrown in writing", new IOException("No space left on device"));   // as ML.NET wraps it
        }));
        StringAssert.Contains(e.Message, $"Writing '{path}' failed: No space left on device");
        StringAssert.Contains(e.Message, "unchanged");
        Assert.AreEqual("previous", File.ReadAllText(path));
        Assert.IsFalse(File.Exists(temp));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir));
    }

    [TestMethod]
    public void An_unreadable_input_is_rethrown_as_itself_not_as_a_failed_write()
    {
        string path = Target();
        var bad = new BadItemException("/data/cat.png", "unreadable", new IOException("Input/output error"));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(path, _ =>
            throw new InvalidOperationException("Exception thrown in writing", bad)));   // as ML.NET wraps it
        Assert.AreSame(bad, e.InnerException);
        Assert.AreEqual("previous", File.ReadAllText(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir));
    }

    [TestMethod]
    public void A_real_full_device_is_reported_as_no_space_left()
    {
        if (!File.Exists("/dev/full"))
        {
            // Every Linux has /dev/full; without it the full-disk case would go untested, so that fails here.
            if (OperatingSystem.IsLinux()) Assert.Fail("/dev/full is missing: the full-disk case cannot be tested on this machine.");
            Assert.Inconclusive("needs /dev/full (Linux)");
        }
        string path = Target();
        var e = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(path, s => s.Write(new byte[1 << 20]),
            _ => new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0)));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "No space left on device");
        Assert.AreEqual("previous", File.ReadAllText(path));
    }

    [TestMethod]
    public void A_cancelled_write_removes_its_temporary_file()
    {
        string path = Target();
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsExactly<OperationCanceledException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            cancel.Cancel();             // e.g. Ctrl+C while the rows are written
        }, cancel.Token));
        Assert.AreEqual("previous", File.ReadAllText(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir));
    }

    [TestMethod]
    public void A_writer_that_opens_the_file_itself_fails_cleanly_too()
    {
        string path = Target();
        Assert.ThrowsExactly<IOException>(() => AtomicFile.WriteVia(path, temp =>
        {
            File.WriteAllText(temp, "half a Parquet file");
            throw new IOException("Disk quota exceeded");
        }));
        Assert.AreEqual("previous", File.ReadAllText(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir));
    }
}
