using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using ViTok.Models.Experiments;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Sweeps;

/// <summary>
/// The result row of a finished run: the tokenizer's configuration (read from the file it trained), E, parameters and
/// GFLOPs, the training budget, the evaluation's metrics (and the generator's, when the run has one), times and the
/// exact commands.
/// </summary>
static class SweepRow
{
    /// <summary>Metric fields compared by `--only` (dotted paths into the row).</summary>
    public static readonly string[] MetricKeys =
        ["psnr", "ssim", "fd_resnet18", "fd_clf", "generation.is", "generation.fd_clf", "generation.fd_resnet18", "generation.class_accuracy"];

    public static JsonObject Build(SweepPlan plan, SweepRun run, string specHash, string folder, IReadOnlyList<StageRecord> stages, string command)
    {
        string tokenizerPath = run.Has("train2") ? Path.Combine(folder, "train2", "tokenizer.safetensors")
            : Path.Combine(run.ReuseTrain is null ? folder : Path.Combine(Path.GetDirectoryName(folder)!, run.ReuseTrain), "train", "tokenizer.safetensors");
        var config = TokenizerFile.ReadConfig(tokenizerPath);
        var cost = TokenizerCost.Of(config);
        var grid = config.Grid;
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "evaluate", "metrics.json")))!.AsObject();

        var row = new JsonObject
        {
            ["sweep"] = plan.Name,
            ["name"] = run.Name,
            ["note"] = run.Note,
            ["findings"] = new JsonArray(run.Findings.Select(f => (JsonNode)f).ToArray()),
            ["reuse_train"] = run.ReuseTrain,
            ["variant"] = config.Variant,
            ["encoder"] = Size(config.Encoder),
            ["decoder"] = Size(config.Decoder),
            ["p"] = config.Patch, ["q"] = config.TubeletFrames, ["c"] = config.Channels,
            ["image_size"] = config.ImageSize, ["frames"] = config.Frames,
            ["tokens"] = grid.Count,
            ["E"] = config.BottleneckSize,
            ["E_per_frame"] = (double)config.BottleneckSize / config.Frames,
            ["params_m"] = new JsonObject { ["encoder"] = Round(cost.Encoder.ParamsM), ["decoder"] = Round(cost.Decoder.ParamsM), ["total"] = Round(cost.Total.ParamsM) },
            ["gflops"] = new JsonObject { ["encoder"] = Round(cost.Encoder.GFlops), ["decoder"] = Round(cost.Decoder.GFlops), ["total"] = Round(cost.Total.GFlops) },
            ["train"] = Options(run, "train"),
            ["train2"] = run.Has("train2") ? Options(run, "train2") : null,
            ["eval_data"] = metrics["data"]?.DeepClone(),
            ["eval_count"] = metrics["count"]?.DeepClone(),
            ["psnr"] = metrics["psnr"]?.DeepClone(),
            ["ssim"] = metrics["ssim"]?.DeepClone(),
            ["fd_resnet18"] = metrics["fd"]?.DeepClone(),
            ["fd_clf"] = metrics["fd_clf"]?.DeepClone(),
        };
        if (run.Has("generate"))
        {
            var samples = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "generate", "samples.json")))!.AsObject();
            var generation = new JsonObject { ["train"] = Options(run, "train-generator") };
            foreach (var key in new[] { "sampler", "steps", "cfg", "count_per_class", "is", "fd_classifier", "fd_resnet18", "class_accuracy", "seconds" })
                if (samples[key] is { } value) generation[key == "fd_classifier" ? "fd_clf" : key] = value.DeepClone();
            row["generation"] = generation;
        }
        row["threads"] = plan.Threads;
        row["wall_s"] = Math.Round(stages.Sum(s => s.WallSeconds), 1);
        row["cpu_s"] = Math.Round(stages.Sum(s => s.CpuSeconds), 1);
        row["stages"] = new JsonArray(stages.Select(s => (JsonNode)new JsonObject
        {
            ["stage"] = s.Stage, ["command"] = s.Command, ["wall_s"] = s.WallSeconds, ["cpu_s"] = s.CpuSeconds,
        }).ToArray());
        row["command"] = command;
        row["spec_hash"] = specHash;
        row["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        row["machine"] = $"{CpuModel()}, {Environment.ProcessorCount} cores";
        row["vitok"] = typeof(SweepRow).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
        return row;
    }

    public static string Summary(JsonObject row) =>
        $"E={row["E"]}, PSNR {SweepResults.Number(row, "psnr"):F2} dB, SSIM {SweepResults.Number(row, "ssim"):F4}" +
        (SweepResults.Number(row, "fd_clf") is double f ? $", FD-clf {f:F3}" : "") +
        (SweepResults.Number(row, "generation.fd_clf") is double g ? $", generation FD-clf {g:F3}, IS {SweepResults.Number(row, "generation.is"):F2}, class acc {SweepResults.Number(row, "generation.class_accuracy"):P1}" : "") +
        $", {SweepResults.Number(row, "wall_s"):F0} s";

    static JsonObject Size(ViTSize s) => new() { ["name"] = s.Name, ["width"] = s.Width, ["depth"] = s.Depth, ["heads"] = s.Heads };

    static JsonObject Options(SweepRun run, string stage)
    {
        var o = new JsonObject();
        foreach (var (key, value) in run.Stages[stage]) o[key.TrimStart('-')] = value is { Length: > 0 } ? value : "true";
        return o;
    }

    static double Round(double v) => Math.Round(v, 4);

    static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException) { return "unknown CPU"; }
    }
}
