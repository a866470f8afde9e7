using System.CommandLine;
using ViTok.Cli.Sweeps;
using ViTok.Models.Experiments;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok sweep`: runs a scaling-sweep plan, one result row per run, resumable.</summary>
public sealed class SweepVerb : IVerb
{
    readonly Option<string> _plan = new("--plan") { Description = "The sweep plan (JSON; see docs/sweeps.md).", Required = true };
    readonly Option<string?> _results = new("--results") { Description = "Result file (JSON lines; default: the plan's path with .results.jsonl instead of .json)." };
    readonly Option<string?> _work = new("--work") { Description = "Folder for the runs' checkpoints, models and logs (default: sweep-work/<plan name>)." };
    readonly Option<string?> _only = new("--only") { Description = "Run only these runs (comma-separated names), from scratch, replacing their rows; prints the change of each metric against the old row." };
    readonly Option<bool> _list = new("--list") { Description = "List the runs and whether each has a current row; run nothing." };

    public Command Create()
    {
        var command = new Command("sweep", "Run a scaling sweep: each run trains, evaluates and appends one row to the result file. Completed runs are skipped; an interrupted run resumes.");
        foreach (var o in new Option[] { _plan, _results, _work, _only, _list }) command.Options.Add(o);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string planPath = parse.GetValue(_plan)!;
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

    static string DefaultResults(string planPath) =>
        Path.Combine(Path.GetDirectoryName(planPath) ?? ".", Path.GetFileNameWithoutExtension(planPath) + ".results.jsonl");
}
