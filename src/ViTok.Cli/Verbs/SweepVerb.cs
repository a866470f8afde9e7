using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViTok.Cli.Sweeps;
using ViTok.Models.Experiments;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok sweep`: runs a scaling-sweep plan, one result row per run, resumable.</summary>
public sealed class SweepVerb : IVerb
{
    readonly Option<string?> _plan = new("--plan") { Description = "The sweep plan (JSON; see docs/sweeps.md). Required unless --summary." };
    readonly Option<string?> _results = new("--results") { Description = "Result file (JSON lines; default: the plan's path with .results.jsonl instead of .json)." };
    readonly Option<string?> _work = new("--work") { Description = "Folder for the runs' checkpoints, models and logs (default: sweep-work/<plan name>)." };
    readonly Option<string?> _only = new("--only") { Description = "Run only these runs (comma-separated names), from scratch, replacing their rows; prints the change of each metric against the old row." };
    readonly Option<bool> _list = new("--list") { Description = "List the runs and whether each has a current row; run nothing." };
    readonly Option<string?> _summary = new("--summary") { Description = "Print the findings table (Markdown: finding, paper, ours, verdict) from the result files and paper.json in this folder (notebooks/sweeps); run nothing." };

    public Command Create()
    {
        var command = new Command("sweep", "Run a scaling sweep: each run trains, evaluates and appends one row to the result file. Completed runs are skipped; an interrupted run resumes.");
        foreach (var o in new Option[] { _plan, _results, _work, _only, _list, _summary }) command.Options.Add(o);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        if (parse.GetValue(_summary) is { } folder) return Summarize(folder, parse, context);
        string planPath = parse.GetValue(_plan) ?? throw new UsageException("--plan is required (or --summary FOLDER).");
        SweepPlan plan;
        try { plan = SweepPlan.Load(planPath); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException) { throw new UsageException($"--plan: {e.Message}"); }
        string results = parse.GetValue(_results) ?? DefaultResults(planPath);
        string work = parse.GetValue(_work) ?? Path.Combine("sweep-work", plan.Name);
        string[]? only = parse.GetValue(_only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (only is not null)
            foreach (var name in only)
                if (plan.Runs.All(r => r.Name != name)) throw new UsageException($"--only: the plan has no run named '{name}'; it has {string.Join(", ", plan.Runs.Select(r => r.Name))}.");
        var runner = new SweepRunner(plan, planPath, results, work, context);
        if (parse.GetValue(_list)) { runner.List(); return VitokApp.Success; }
        return runner.Run(only) ? VitokApp.Success : VitokApp.Failure;
    }

    int Summarize(string folder, ParseResult parse, VerbContext context)
    {
        foreach (var other in new Option[] { _plan, _results, _work, _only, _list })
            if (parse.GetResult(other) is { Implicit: false }) throw new UsageException($"--summary reads every plan's results in its folder; it does not take {other.Name}.");
        string paperPath = Path.Combine(folder, "paper.json");
        if (!File.Exists(paperPath)) throw new UsageException($"--summary: {paperPath} not found (the folder must hold the result files and paper.json).");
        JsonNode paper;
        try { paper = JsonNode.Parse(File.ReadAllText(paperPath)) ?? throw new UsageException($"--summary: {paperPath} is empty."); }
        catch (JsonException e) { throw new UsageException($"--summary: {paperPath} is not valid JSON ({e.Message})."); }
        try { context.Out.Write(ScalingFindings.Load(folder).SummaryMarkdown(paper)); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException) { throw new UsageException($"--summary: {e.Message}"); }
        return VitokApp.Success;
    }

    static string DefaultResults(string planPath) =>
        Path.Combine(Path.GetDirectoryName(planPath) ?? ".", Path.GetFileNameWithoutExtension(planPath) + ".results.jsonl");
}
