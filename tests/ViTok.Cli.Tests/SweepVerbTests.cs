using System.Text.Json.Nodes;
using ViTok.Models.Experiments;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class SweepVerbTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-sweep-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Two tiny tokenizers on synthetic shapes, a stage-2 variation of the first and a generator on its latents.</summary>
    string WritePlan(string evaluateData = "synthetic:shapes?count=12&size=16&seed=3")
    {
        string plan = Path.Combine(_dir, "plan.json");
        File.WriteAllText(plan, $$"""
            { "name": "tiny", "threads": 1,
              "stages": {
                "train": { "--data": "synthetic:shapes?count=32&size=16", "--image-size": 16, "--steps": 3, "--batch": 8,
                           "--perceptual-weight": 0, "--no-fd": true, "--eval-items": 4, "--checkpoint-every": 2, "--workers": 1 },
                "evaluate": { "--data": "{{evaluateData}}", "--count": 12, "--no-fd": true, "--batch": 4 } },
              "runs": [
                { "name": "c4", "findings": [1], "train": { "--variant": "N-N/8", "--channels": 4 } },
                { "name": "c8", "findings": [1], "train": { "--variant": "N-N/8", "--channels": 8 } },
                { "name": "c4-gan", "findings": [5], "reuse-train": "c4", "train2": { "--steps": 2, "--gan-weight": 0.1 } },
                { "name": "c4-gen", "findings": [2], "reuse-train": "c4",
                  "train-generator": { "--data": "synthetic:shapes?count=16&size=16", "--size": "N", "--steps": 2, "--batch": 8, "--workers": 1 },
                  "generate": { "--class": "0", "--count": 2, "--steps": 3 } } ] }
            """);
        return plan;
    }

    (int Code, string Out, string Err) Sweep(string plan, params string[] more) =>
        CliHarness.Run(["sweep", "--plan", plan, "--results", Path.Combine(_dir, "results.jsonl"), "--work", Path.Combine(_dir, "work"), .. more]);

    [TestMethod]
    public void A_sweep_writes_a_row_per_run_skips_finished_runs_and_only_reproduces_a_row()
    {
        string plan = WritePlan();
        var (code, output, err) = Sweep(plan);
        Assert.AreEqual(0, code, output + err);
        string resultsPath = Path.Combine(_dir, "results.jsonl");
        var results = SweepResults.Load(resultsPath);
        CollectionAssert.AreEqual(new[] { "c4", "c8", "c4-gan", "c4-gen" }, results.Rows.Select(r => (string?)r["name"]).ToArray());
        var c8 = results.Find("c8")!;
        Assert.AreEqual(4L * 8, (long)c8["E"]!);                     // 16x16 at p8: 4 tokens x 8 channels
        Assert.AreEqual("N-N/8", (string?)c8["variant"]);
        Assert.IsNotNull(SweepResults.Number(c8, "psnr"));
        Assert.IsNotNull(SweepResults.Number(c8, "params_m.total"));
        Assert.IsNotNull(SweepResults.Number(c8, "gflops.total"));
        Assert.AreEqual(1.0, SweepResults.Number(c8, "threads"));
        StringAssert.Contains((string?)c8["command"], "--only c8");
        var stages = c8["stages"]!.AsArray();
        StringAssert.StartsWith((string?)stages[0]!["command"], "vitok train ");
        StringAssert.StartsWith((string?)stages[1]!["command"], "vitok reconstruct ");
        StringAssert.Contains((string?)results.Find("c4-gan")!["stages"]!.AsArray()[1]!["command"], "--stage 2 --from");
        Assert.AreEqual("ddim", (string?)results.Find("c4-gen")!["generation"]!["sampler"]);
        Assert.AreEqual("c4", (string?)results.Find("c4-gen")!["reuse_train"]);

        string before = File.ReadAllText(resultsPath);
        (code, output, err) = Sweep(plan);
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "[2/4] c8: done");
        Assert.AreEqual(before, File.ReadAllText(resultsPath));

        (code, output, err) = Sweep(plan, "--only", "c8");
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "starting from scratch");
        var again = SweepResults.Load(resultsPath).Find("c8")!;
        foreach (var key in new[] { "psnr", "ssim", "E" })
            Assert.AreEqual(SweepResults.Number(c8, key), SweepResults.Number(again, key), key);   // one thread: identical
        StringAssert.Contains(output, "against the previous row");
    }

    [TestMethod]
    public void A_failed_stage_stops_the_sweep_and_the_next_run_continues_after_the_finished_stages()
    {
        string missing = Path.Combine(_dir, "no-such-folder");
        var (code, output, err) = Sweep(WritePlan("folder:" + missing));
        Assert.AreEqual(1, code, output + err);
        StringAssert.Contains(err, "run c4: stage evaluate exited with code");
        StringAssert.Contains(err, "no-such-folder");   // the cause, not only the log's name
        StringAssert.Contains(err, missing.Length > 0 ? "evaluate.log" : "");
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "results.jsonl")));
        Assert.IsTrue(File.Exists(Path.Combine(_dir, "work", "c4", "train.done.json")));

        (code, output, err) = Sweep(WritePlan());
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "train: done earlier");
        Assert.AreEqual(4, SweepResults.Load(Path.Combine(_dir, "results.jsonl")).Rows.Count);
    }

    [TestMethod]
    public void A_bad_value_in_any_stage_of_the_plan_is_a_usage_error_naming_plan_run_stage_and_option_before_anything_runs()
    {
        string plan = WritePlan();
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("\"--steps\": 3, \"--count\": 2", "x").Replace("\"generate\": { \"--class\": \"0\", \"--count\": 2, \"--steps\": 3 }",
            "\"generate\": { \"--class\": \"0\", \"--count\": \"two\", \"--steps\": 3 }"));
        var (code, output, err) = Sweep(plan);
        Assert.AreEqual(2, code, output + err);
        StringAssert.Contains(err, plan);
        StringAssert.Contains(err, "run 'c4-gen', stage 'generate'");
        StringAssert.Contains(err, "--count");
        Assert.IsFalse(Directory.Exists(Path.Combine(_dir, "work", "c4")), "nothing ran");

        // An unknown option is found the same way.
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("\"--count\": \"two\"", "\"--cuont\": 2"));
        (code, output, err) = Sweep(plan);
        Assert.AreEqual(2, code, output + err);
        StringAssert.Contains(err, "--cuont");
    }

    [TestMethod]
    public void A_changed_plan_makes_a_row_stale_and_the_run_is_redone()
    {
        string plan = WritePlan();
        Assert.AreEqual(0, Sweep(plan).Code);
        File.WriteAllText(plan, File.ReadAllText(plan).Replace("\"--channels\": 8", "\"--channels\": 2"));
        var (code, output, _) = Sweep(plan, "--list");
        Assert.AreEqual(0, code);
        StringAssert.Contains(output, "stale (plan changed)");
        (code, output, var err) = Sweep(plan);
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "the plan changed since its row was written");
        Assert.AreEqual(8L, (long)SweepResults.Load(Path.Combine(_dir, "results.jsonl")).Find("c8")!["E"]!);
    }

    [TestMethod]
    public void One_sweep_per_work_folder()
    {
        string work = Path.Combine(_dir, "work");
        Directory.CreateDirectory(work);
        using var held = new FileStream(Path.Combine(work, ViTok.Models.Training.RunFolderLock.FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var (code, _, err) = Sweep(WritePlan());
        Assert.AreEqual(2, code, err);
        StringAssert.Contains(err, "is in use by another run");
    }

    [TestMethod]
    public void Plan_errors_and_unknown_runs_are_usage_errors()
    {
        string plan = WritePlan();
        var (code, _, err) = Sweep(plan, "--only", "nope");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--only: the plan has no run named 'nope'");
        File.WriteAllText(plan, "{ \"name\": \"x\" }");
        (code, _, err) = Sweep(plan);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--plan: " + plan);
    }

    [TestMethod]
    public void Summary_prints_one_line_per_finding_from_the_folders_result_files()
    {
        string folder = Path.Combine(_dir, "sweeps");
        Directory.CreateDirectory(folder);
        var (code, _, err) = CliHarness.Run(["sweep", "--summary", folder]);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "paper.json not found");

        var paper = new JsonObject { ["findings"] = new JsonObject() };
        for (int f = 1; f <= 6; f++) paper["findings"]![f.ToString()] = new JsonObject { ["summary"] = $"paper says {f} (Fig. {f})" };
        File.WriteAllText(Path.Combine(folder, "paper.json"), paper.ToJsonString());
        // Encoder widths 96/192/288 and the doubled-E run: finding 3 gets a verdict, the others stay pending.
        var results = SweepResults.Load(Path.Combine(folder, "fmnist-scaling.results.jsonl"));
        JsonObject Row(string name, int c, int encoder, double psnr, int finding) => new()
        {
            ["name"] = name, ["p"] = 8, ["c"] = c, ["E"] = 16 * c, ["psnr"] = psnr, ["date"] = "2026-12-01", ["vitok"] = "1.0.0+0123456789abcdef",
            ["findings"] = new JsonArray(finding), ["encoder"] = new JsonObject { ["width"] = encoder },
            ["params_m"] = new JsonObject { ["encoder"] = encoder * encoder / 1e4 },
        };
        results.Put(Row(ScalingFindings.BaseRun, 16, 192, 25.0, 1));
        results.Put(Row(ScalingFindings.DoubledERun, 32, 192, 28.0, 1));
        results.Put(Row("enc-w96", 16, 96, 24.9, 3));
        results.Put(Row("enc-w288", 16, 288, 25.1, 3));

        (code, var output, err) = CliHarness.Run(["sweep", "--summary", folder]);
        Assert.AreEqual(0, code, err);
        var lines = output.Split('\n');
        Assert.AreEqual(7, lines.Count(l => l.StartsWith("| ") && !l.StartsWith("| finding")), output);
        // One seed per configuration: the single-seed rule's outcome is kept in the sentence, the verdict is inconclusive.
        StringAssert.Contains(output, "| 3. a wider encoder does not help | paper says 3 (Fig. 3) | from the narrowest to the widest encoder (96 -> 288 wide, x9.0 encoder parameters) PSNR changes by +0.20 dB, while doubling E at the base size changes it by +3.00 dB; one seed per configuration, so no noise estimate. | inconclusive |");
        StringAssert.Contains(output, "| 6. video follows the E law | paper says 6 (Fig. 6) | 0 configuration(s) so far; the fit needs at least 4. | pending |");
        StringAssert.Contains(output, "4 rows (4 Fashion-MNIST, 0 photos, 0 video), measured 2026-12-01 with vitok 1.0.0+0123456.");

        (code, _, err) = CliHarness.Run(["sweep", "--summary", folder, "--only", "x"]);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "does not take --only");
    }
}
