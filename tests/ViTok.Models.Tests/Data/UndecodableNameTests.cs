using System.Diagnostics;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

/// <summary>
/// Issue 12: names that are not valid UTF-8 (Latin-1 bytes on Linux). .NET lists them with U+FFFD in place of the bad
/// byte and then cannot open them ("not found"); listings now refuse them naming the folder and the escaped name, or
/// leave them out when asked.
/// </summary>
[TestClass]
public sealed class UndecodableNameTests
{
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("raw byte file names are a Linux matter");
        _dir = TestFiles.NewFolder("names");
    }

    [TestCleanup]
    public void Cleanup()
    {
        if (_dir.Length > 0) Shell("rm -rf \"$1\"");      // .NET cannot delete what it cannot name
    }

    /// <summary>Runs a shell command with the folder as $1 (printf makes the raw bytes: \351 is 0xE9, é in Latin-1).</summary>
    void Shell(string command)
    {
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command, "sh", _dir]) { RedirectStandardError = true })!;
        shell.WaitForExit();
        Assert.AreEqual(0, shell.ExitCode, shell.StandardError.ReadToEnd());
    }

    [TestMethod]
    public void Net_cannot_open_a_latin1_name_it_lists()
    {
        Shell("printf x > \"$1/$(printf 'caf\\351.png')\"");
        string listed = Directory.GetFiles(_dir).Single();
        StringAssert.Contains(listed, "caf\uFFFD.png");
        Assert.IsFalse(File.Exists(listed), "the listed name is not the file's name");
        Assert.IsTrue(UndecodableNames.IsUndecodable(listed));
        CollectionAssert.AreEqual(new[] { Path.Combine(_dir, "caf\\xE9.png") }, UndecodableNames.In(_dir).ToArray());
    }

    [TestMethod]
    public void A_folder_source_refuses_such_names_naming_them_or_leaves_them_out_when_asked()
    {
        TestFiles.SolidImage(Path.Combine(_dir, "a.png"), 8, 8, new Rgb24(9, 9, 9));
        Shell("cp \"$1/a.png\" \"$1/$(printf 'caf\\351.png')\" && mkdir \"$1/$(printf 'dossier-\\351t\\351')\" && cp \"$1/a.png\" \"$1/$(printf 'dossier-\\351t\\351')/b.png\" && printf x > \"$1/$(printf 'notes-\\351.txt')\"");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => new ImageFolderSource(_dir));
        StringAssert.Contains(e.Message, _dir);
        StringAssert.Contains(e.Message, "caf\\xE9.png");
        StringAssert.Contains(e.Message, "dossier-\\xE9t\\xE9/");
        Assert.IsFalse(e.Message.Contains("notes-"), "a file that is not an image does not matter: " + e.Message);

        var source = new ImageFolderSource(_dir, new ImageFolderOptions { SkipUndecodableNames = true });
        Assert.AreEqual(1, source.Count);
        CollectionAssert.AreEqual(new[] { Path.Combine(_dir, "caf\\xE9.png"), Path.Combine(_dir, "dossier-\\xE9t\\xE9/") }, source.UndecodableNames.ToArray());
        StringAssert.Contains(source.Description, "2 name(s) that are not valid UTF-8 left out");

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ImageFiles.ListWithSubfolders(_dir));
        StringAssert.Contains(ex.Message, "caf\\xE9.png");
        var leftOut = new List<string>();
        CollectionAssert.AreEqual(new[] { "a.png" }, ImageFiles.ListWithSubfolders(_dir, leftOut).Select(f => f.Name).ToArray());
        Assert.AreEqual(2, leftOut.Count);
    }
}
