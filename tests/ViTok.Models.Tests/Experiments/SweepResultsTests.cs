using System.Text.Json.Nodes;
using ViTok.Models.Experiments;

namespace ViTok.Models.Tests.Experiments;

[TestClass]
public sealed class SweepResultsTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-results-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Rows_are_added_replaced_in_place_and_read_back()
    {
        string path = Path.Combine(_dir, "sub", "r.jsonl");
        var results = SweepResults.Load(path);
        Assert.AreEqual(0, results.Rows.Count);
        results.Put(new JsonObject { ["name"] = "a", ["psnr"] = 20.5, ["generation"] = new JsonObject { ["is"] = 3.0 } });
        results.Put(new JsonObject { ["name"] = "b", ["psnr"] = 21.0, ["command"] = "vitok train --data 'x?a=1&b=2'" });
        results.Put(new JsonObject { ["name"] = "a", ["psnr"] = 22.0 });
        var again = SweepResults.Load(path);
        CollectionAssert.AreEqual(new[] { "a", "b" }, again.Rows.Select(r => (string?)r["name"]).ToArray());
        Assert.AreEqual(22.0, SweepResults.Number(again.Find("a")!, "psnr"));
        Assert.IsNull(SweepResults.Number(again.Find("a")!, "generation.is"));
        Assert.AreEqual("vitok train --data 'x?a=1&b=2'", (string?)again.Find("b")!["command"]);
        StringAssert.Contains(File.ReadAllText(path), "'x?a=1&b=2'");      // readable: no \u0027 escapes
        Assert.AreEqual(0, Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp").Length);
        Assert.AreEqual(3.0, SweepResults.Number(new JsonObject { ["generation"] = new JsonObject { ["is"] = 3.0 } }, "generation.is"));
    }

    [TestMethod]
    public void A_broken_line_is_named()
    {
        string path = Path.Combine(_dir, "r.jsonl");
        File.WriteAllText(path, "{\"name\":\"a\"}\n{\"name\": \n");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SweepResults.Load(path));
        StringAssert.Contains(e.Message, path + ", line 2");
    }
}
