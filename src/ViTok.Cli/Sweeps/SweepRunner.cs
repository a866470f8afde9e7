using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViTok.Cli.Verbs;
using ViTok.Models.Experiments;
using ViTok.Models.Runtime;
using ViTok.Models.Training;

namespace ViTok.Cli.Sweeps;

/// <summary>
/// Runs a <see cref="SweepPlan"/>: each stage is the matching `vitok` verb run in this process with the plan's
/// options (the exact command is recorded), writing into WORK/RUN/STAGE; a finished stage leaves STAGE.done.json
/// (its command and times), so an interrupted run continues with the next stage, and an interrupted training
/// resumes from its newest checkpoint. When all stages are done the run's row is written to the result file.
/// </summary>
sealed class SweepRunner(SweepPlan plan, string planPath, string resultsPath, string work, VerbContext context)
{
    readonly TextWriter _out = context.Out;

    public void List()
    {
        var results = SweepResults.Load(resultsPath);
        _out.WriteLine($"{plan.Name}: {plan.Runs.Count} runs, {plan.Threads} thread(s); results {resultsPath}");
        foreach (var run in plan.Runs)
        {
            var row = results.Find(run.Name);
            string state = row is null ? "to run" : (string?)row["spec_hash"] == run.SpecHash(plan.Threads) ? "done" : "stale (plan changed)";
            _out.WriteLine($"  {run.Name,-24} {state}");
        }
    }

    public bool Run(string[]? only)
    {
        Directory.CreateDirectory(work);
        RunFolderLock workLock;
        try { workLock = RunFolderLock.Acquire(work); }
        catch (IOException e) { throw new UsageException($"--work: {e.Message}"); }
        using var _ = workLock;
        var results = SweepResults.Load(resultsPath);
        var runs = plan.Runs.Where(r => only is null || only.Contains(r.Name)).ToList();
        Check(runs);
        int index = 0;
        foreach (var run in runs)
        {
            index++;
            string hash = run.SpecHash(plan.Threads);
            var old = results.Find(run.Name);
            if (only is null && old is not null && (string?)old["spec_hash"] == hash)
            {
                _out.WriteLine($"[{index}/{runs.Count}] {run.Name}: done (row in {resultsPath})");
                continue;
            }
            string folder = Path.Combine(work, run.Name);
            if (only is not null && Directory.Exists(folder))
            {
                _out.WriteLine($"[{index}/{runs.Count}] {run.Name}: --only, starting from scratch (removing {folder})");
                Directory.Delete(folder, recursive: true);
            }
            else if (old is not null && (string?)old["spec_hash"] != hash && Directory.Exists(folder))
            {
                _out.WriteLine($"[{index}/{runs.Count}] {run.Name}: the plan changed since its row was written; starting from scratch");
                Directory.Delete(folder, recursive: true);
            }
            Directory.CreateDirectory(folder);
            _out.WriteLine($"[{index}/{runs.Count}] {run.Name}{(run.Note.Length > 0 ? $" ({run.Note})" : "")}");
            var stages = new List<StageRecord>();
            foreach (var stage in SweepPlan.StageOrder.Where(run.Has))
            {
                var record = RunStage(run, stage, folder);
                if (record is null) return false;
                stages.Add(record);
            }
            var row = SweepRow.Build(plan, run, hash, folder, stages, Command(run.Name));
            results.Put(row);
            _out.WriteLine($"  row written to {resultsPath}: {SweepRow.Summary(row)}");
            if (old is not null && only is not null) Compare(old, row);
        }
        return true;
    }

    /// <summary>
    /// Parses every stage of <paramref name="runs"/> as its verb would before anything runs, so a bad value in the plan
    /// is a usage error naming the plan, the run, the stage and the option, not a failure hours into the sweep.
    /// </summary>
    void Check(IEnumerable<SweepRun> runs)
    {
        foreach (var run in runs)
            foreach (var stage in SweepPlan.StageOrder.Where(run.Has))
            {
                if (stage == "train" && run.ReuseTrain is not null) continue;
                var errors = VitokApp.ParseErrors(StageArguments(run, stage, Path.Combine(work, run.Name)).ToArray());
                if (errors.Count > 0)
                    throw new UsageException($"--plan {planPath}: run '{run.Name}', stage '{stage}': {string.Join("; ", errors)}");
            }
    }

    /// <summary>Runs one stage unless its marker says it is done; null when the stage failed (the error was printed).</summary>
    StageRecord? RunStage(SweepRun run, string stage, string folder)
    {
        if (stage == "train" && run.ReuseTrain is not null)
        {
            string from = Path.Combine(work, run.ReuseTrain, "train.done.json");
            if (!File.Exists(from))
            {
                context.Error.WriteLine($"vitok: sweep {plan.Name}, run {run.Name}: it reuses the stage-1 tokenizer of run '{run.ReuseTrain}', which has not finished ({from} is missing); run the sweep without --only first.");
                return null;
            }
            _out.WriteLine($"  train: reused from run {run.ReuseTrain}");
            return JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(from));
        }
        string marker = Path.Combine(folder, stage + ".done.json");
        if (File.Exists(marker))
        {
            var done = JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(marker))
                       ?? throw new InvalidDataException($"{marker}: empty stage marker; delete it to run the stage again.");
            _out.WriteLine($"  {stage}: done earlier ({done.WallSeconds:F0} s)");
            return done;
        }
        var args = StageArguments(run, stage, folder);
        string command = "vitok " + string.Join(' ', args.Select(Quote));
        _out.WriteLine($"  {stage}: {command}");
        string log = Path.Combine(folder, stage + ".log");
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int code;
        var errors = new StringWriter();
        using (var file = new StreamWriter(log, append: true) { AutoFlush = true })
        {
            var tee = new TeeWriter(file, new IndentedWriter(_out, "    "));
            code = VitokApp.Run(args.ToArray(), tee, new TeeWriter(tee, errors));
        }
        process.Refresh();
        var record = new StageRecord(stage, command, Math.Round(clock.Elapsed.TotalSeconds, 1), Math.Round((process.TotalProcessorTime - cpu0).TotalSeconds, 1));
        if (code != VitokApp.Success)
        {
            string cause = errors.ToString().Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("vitok: ", StringComparison.Ordinal))?["vitok: ".Length..] ?? "see the log";
            context.Error.WriteLine($"vitok: sweep {plan.Name} ({planPath}), run {run.Name}: stage {stage} exited with code {code}: {cause} (log: {log}). Run the sweep again to continue.");
            return null;
        }
        AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(record));
        return record;
    }

    List<string> StageArguments(SweepRun run, string stage, string folder)
    {
        string Sub(string name) => Path.Combine(folder, name);
        string stage1 = Path.Combine(run.ReuseTrain is null ? Sub("train") : Path.Combine(work, run.ReuseTrain, "train"), "tokenizer.safetensors");
        string tokenizer = run.Has("train2") ? Path.Combine(Sub("train2"), "tokenizer.safetensors") : stage1;
        var args = new List<string>();
        switch (stage)
        {
            case "train":
            case "train2":
                args.Add("train");
                args.AddRange(run.Arguments(stage));
                if (stage == "train2") args.AddRange(["--stage", "2", "--from", stage1]);
                args.AddRange(["--out", Sub(stage)]);
                if (Resumable(stage, Sub(stage))) args.Add("--resume");
                break;
            case "evaluate":
                args.Add("reconstruct");
                args.AddRange(["--model", tokenizer]);
                args.AddRange(run.Arguments(stage));
                args.AddRange(["--out", Sub("evaluate"), "--save", "0"]);
                break;
            case "train-generator":
                args.Add("train-generator");
                args.AddRange(["--tokenizer", tokenizer]);
                args.AddRange(run.Arguments(stage));
                args.AddRange(["--out", Sub(stage)]);
                if (Resumable(stage, Sub(stage))) args.Add("--resume");
                break;
            case "generate":
                args.Add("generate");
                args.AddRange(["--model", Path.Combine(Sub("train-generator"), "generator.safetensors"), "--tokenizer", tokenizer]);
                args.AddRange(run.Arguments(stage));
                args.AddRange(["--out", Sub(stage), "--no-images"]);
                break;
            default:
                throw new InvalidOperationException($"Unknown stage '{stage}'.");
        }
        args.AddRange(["--threads", plan.Threads.ToString(CultureInfo.InvariantCulture)]);
        return args;
    }

    /// <summary>
    /// Whether a training stage continues with --resume (its folder has a checkpoint). A stage stopped before its first
    /// checkpoint left files that a new run refuses (<see cref="RunFolders"/>); they are kept, moved aside to
    /// STAGE.interrupted, and the stage starts again.
    /// </summary>
    bool Resumable(string stage, string stageFolder)
    {
        if (!Directory.Exists(stageFolder)) return false;
        if (Directory.EnumerateFiles(stageFolder, "checkpoint-*.safetensors").Any()) return true;
        if (RunFolders.RunFiles(stageFolder).Count == 0) return false;
        string aside = stageFolder + ".interrupted";
        for (int n = 2; Directory.Exists(aside) || File.Exists(aside); n++) aside = $"{stageFolder}.interrupted-{n}";
        Directory.Move(stageFolder, aside);
        _out.WriteLine($"  {stage}: stopped before its first checkpoint; its files were moved to {aside} and the stage starts again");
        return false;
    }

    string Command(string run) => $"vitok sweep --plan {Quote(planPath)} --results {Quote(resultsPath)} --only {run}";

    void Compare(JsonObject old, JsonObject row)
    {
        _out.WriteLine("  against the previous row:");
        foreach (var key in SweepRow.MetricKeys)
        {
            double? a = SweepResults.Number(old, key), b = SweepResults.Number(row, key);
            if (a is null && b is null) continue;
            string change = a is double x && b is double y ? $"{y - x:+0.######;-0.######;0}" : "n/a";
            _out.WriteLine($"    {key,-26} {Format(a),12} -> {Format(b),12}  ({change})");
        }
        static string Format(double? v) => v?.ToString("G8", CultureInfo.InvariantCulture) ?? "-";
    }

    static string Quote(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}

/// <summary>A finished stage: the exact command and its wall-clock and CPU seconds.</summary>
sealed record StageRecord(string Stage, string Command, double WallSeconds, double CpuSeconds);

/// <summary>Prefixes every line written through it.</summary>
sealed class IndentedWriter(TextWriter inner, string prefix) : TextWriter
{
    bool _lineStart = true;
    public override System.Text.Encoding Encoding => inner.Encoding;
    public override void Write(char value)
    {
        if (_lineStart && value != '\n') { inner.Write(prefix); _lineStart = false; }
        inner.Write(value);
        if (value == '\n') _lineStart = true;
    }
    public override void Flush() => inner.Flush();
}
