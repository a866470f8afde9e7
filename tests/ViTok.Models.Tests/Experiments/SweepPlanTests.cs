using System.Text.Json.Nodes;
using ViTok.Models.Experiments;

namespace ViTok.Models.Tests.Experiments;

[TestClass]
public sealed class SweepPlanTests
{
    static SweepPlan Parse(string json) => SweepPlan.Parse(JsonNode.Parse(json)!.AsObject(), "plan.json");

    const string Base = """
        { "name": "s", "threads": 2,
          "stages": { "train": { "--data": "synthetic", "--steps": 10, "--no-fd": true, "--lr": 0.001 },
                      "evaluate": { "--count": 5 } },
          "runs": [ { "name": "a", "train": { "--variant": "N-N/8", "--steps": 20, "--lr": null } } ] }
        """;

    [TestMethod]
    public void Run_options_override_the_plan_null_removes_and_true_is_a_flag()
    {
        var run = Parse(Base).Run("a");
        CollectionAssert.AreEqual(new[] { "--data", "synthetic", "--steps", "20", "--no-fd", "--variant", "N-N/8" }, run.Arguments("train").ToArray());
        CollectionAssert.AreEqual(new[] { "--count", "5" }, run.Arguments("evaluate").ToArray());
        Assert.IsFalse(run.Has("train2"));
        Assert.AreEqual("20", run.Option("train", "--steps"));
        Assert.IsNull(run.Option("train", "--lr"));
    }

    [TestMethod]
    public void Stage_two_starts_from_the_train_options_and_a_reused_run_takes_its_train_stage()
    {
        var plan = Parse(Base.Replace("""--lr": null } } ]""", """--lr": null } }, { "name": "b", "reuse-train": "a", "train2": { "--steps": 3, "--gan-weight": 0.2 }, "findings": [5] } ]"""));
        var b = plan.Run("b");
        Assert.AreEqual("b", b.Name);
        Assert.AreEqual("a", b.ReuseTrain);
        CollectionAssert.AreEqual(new[] { 5 }, b.Findings.ToArray());
        CollectionAssert.AreEqual(plan.Run("a").Arguments("train").ToArray(), b.Arguments("train").ToArray());
        CollectionAssert.AreEqual(new[] { "--data", "synthetic", "--steps", "3", "--no-fd", "--variant", "N-N/8", "--gan-weight", "0.2" }, b.Arguments("train2").ToArray());
    }

    [TestMethod]
    public void The_spec_hash_changes_with_any_option_and_the_thread_count()
    {
        var a = Parse(Base).Run("a");
        var other = Parse(Base.Replace("\"--count\": 5", "\"--count\": 6")).Run("a");
        Assert.AreEqual(a.SpecHash(1), Parse(Base).Run("a").SpecHash(1));
        Assert.AreNotEqual(a.SpecHash(1), other.SpecHash(1));
        Assert.AreNotEqual(a.SpecHash(1), a.SpecHash(2));
    }

    [TestMethod]
    [DataRow("""{ "name": "s", "stages": { "train": {}, "evaluate": {} }, "runs": [ { "name": "a" }, { "name": "a" } ] }""", "two runs are named 'a'")]
    [DataRow("""{ "name": "s", "stages": { "train": { "--out": "x" }, "evaluate": {} }, "runs": [ { "name": "a" } ] }""", "--out is set by the sweep itself")]
    [DataRow("""{ "name": "s", "stages": { "train": { "steps": 3 }, "evaluate": {} }, "runs": [ { "name": "a" } ] }""", "option 'steps' must start with --")]
    [DataRow("""{ "name": "s", "stages": { "train": {}, "evaluate": {} }, "runs": [ { "name": "a", "trian": {} } ] }""", "'trian' is not a stage")]
    [DataRow("""{ "name": "s", "stages": { "train": {}, "evaluate": {} }, "runs": [ { "name": "a", "reuse-train": "z" } ] }""", "reuse-train 'z' is not a run listed before it")]
    [DataRow("""{ "name": "s", "stages": { "train": {} }, "runs": [ { "name": "a" } ] }""", "run 'a' has no 'evaluate' stage")]
    [DataRow("""{ "name": "s", "stages": { "train": {}, "evaluate": {} }, "runs": [ { "name": "../a" } ] }""", "run name '../a'")]
    [DataRow("""{ "name": "s", "stages": { "train": {}, "evaluate": {}, "generate": {} }, "runs": [ { "name": "a" } ] }""", "'generate' and 'train-generator' go together")]
    [DataRow("""{ "name": "s", "stages": { "train": { "--steps": [1] }, "evaluate": {} }, "runs": [ { "name": "a" } ] }""", "--steps must be a string, a number, true")]
    [DataRow("""{ "name": "s", "stages": { "train": {}, "evaluate": {} }, "runs": [] }""", "'runs' must be a non-empty array")]
    public void Bad_plans_are_refused_naming_the_fault(string json, string expected)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => Parse(json));
        StringAssert.Contains(e.Message, expected);
        StringAssert.StartsWith(e.Message, "plan.json");
    }

    [TestMethod]
    public void A_missing_or_malformed_plan_file_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("vitok-plan-").FullName;
        try
        {
            string missing = Path.Combine(dir, "none.json");
            StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => SweepPlan.Load(missing)).Message, missing);
            string bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(bad, "{ \"name\": ");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepPlan.Load(bad)).Message, bad);
        }
        finally { Directory.Delete(dir, true); }
    }
}
