using System.CommandLine;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Data;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok reconstruct`: encode and decode a SOURCE with a tokenizer file; write images, a grid and metrics.</summary>
public sealed class ReconstructVerb : IVerb
{
    Func<ParseResult, ComputeOptions> _compute = null!;
    readonly Option<string> _model = new("--model") { Description = "Tokenizer file (.safetensors).", Required = true };
    readonly Option<string> _data = new("--data") { Description = DataOptions.SourceHelp, Required = true };
    readonly Option<string> _out = new("--out") { Description = "Output folder: metrics.json, grid.png, reconstructions/.", Required = true };
    readonly Option<int> _count = new("--count") { Description = "Items to evaluate (a seeded sample when the source has more).", DefaultValueFactory = _ => 1000 };
    readonly Option<int> _save = new("--save") { Description = "Reconstructions to write as PNG files (original and reconstruction).", DefaultValueFactory = _ => 16 };
    readonly Option<int> _batch = new("--batch") { Description = "Items per forward pass.", DefaultValueFactory = _ => 64 };
    readonly Option<bool> _noFd = new("--no-fd") { Description = "Skip FD-ResNet18." };
    readonly Option<bool> _json = new("--json") { Description = "Print the metrics as JSON." };

    public Command Create()
    {
        var command = new Command("reconstruct", "Reconstruct data with a tokenizer: PSNR, SSIM, FD-ResNet18, a side-by-side grid and image files.");
        foreach (var o in new Option[] { _model, _data, _out, _count, _save, _batch, _noFd, _json }) command.Options.Add(o);
        _compute = GlobalOptions.AddCompute(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string modelPath = parse.GetValue(_model)!;
        if (!File.Exists(modelPath)) throw new UsageException($"--model: tokenizer file '{modelPath}' does not exist.");
        int count = parse.GetValue(_count), save = parse.GetValue(_save), batch = parse.GetValue(_batch);
        if (count < 1) throw new UsageException($"--count: {count} must be at least 1.");
        if (save < 0) throw new UsageException($"--save: {save} must not be negative.");
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        var config = TokenizerFile.ReadConfig(modelPath);
        var source = DataOptions.Open("--data", parse.GetValue(_data)!, new ClipSourceDefaults(config.ImageSize, config.Frames));
        DataOptions.CheckShape("--data", source, config.Frames, config.ImageSize);
        var device = TorchRuntime.Resolve(_compute(parse));
        string folder = parse.GetValue(_out)!;
        Directory.CreateDirectory(folder);

        using var model = TokenizerFile.Load(modelPath, device);
        using var features = parse.GetValue(_noFd) ? null : FeatureNetwork.ResNet18();
        features?.to(device);
        using var evaluation = new TokenizerEvaluation(source, count, features, batch);
        var metrics = evaluation.Evaluate(model);

        var (originals, reconstructions) = evaluation.Reconstruct(model, Math.Max(save, 16));
        using (originals)
        using (reconstructions)
        {
            var first = (Tensor t, int i) => t[i].select(1, 0);                 // [3, T, H, W] -> first frame [3, H, W]
            int n = (int)originals.shape[0];
            using (var scope = NewDisposeScope())
                ImageGrid.Save(ImageGrid.Pairs(originals.select(2, 0), reconstructions.select(2, 0), 8), Path.Combine(folder, "grid.png"));
            string images = Path.Combine(folder, "reconstructions");
            Directory.CreateDirectory(images);
            for (int i = 0; i < Math.Min(save, n); i++)
            {
                ImageFiles.Save(first(originals, i), Path.Combine(images, $"{i:D5}-original.png"));
                ImageFiles.Save(first(reconstructions, i), Path.Combine(images, $"{i:D5}-reconstruction.png"));
            }
        }

        double? fd = metrics.TryGetValue("fd", out var fdValue) ? fdValue : null;
        var report = new Dictionary<string, object?>
        {
            ["model"] = modelPath, ["variant"] = config.Variant, ["channels"] = config.Channels, ["bottleneck"] = config.BottleneckSize,
            ["data"] = source.Description, ["count"] = evaluation.Count,
            ["psnr"] = metrics["psnr"], ["ssim"] = metrics["ssim"], ["fd"] = fd,
            ["fd_features"] = features is null ? null : "FD-ResNet18",
        };
        string json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
        string metricsPath = Path.Combine(folder, "metrics.json");
        File.WriteAllText(metricsPath + ".tmp", json);
        File.Move(metricsPath + ".tmp", metricsPath, overwrite: true);
        if (parse.GetValue(_json)) context.Out.WriteLine(json);
        else
        {
            context.Out.WriteLine($"{config.Variant} c={config.Channels} (E={config.BottleneckSize}) on {evaluation.Count} items of {source.Description}");
            context.Out.WriteLine($"PSNR {metrics["psnr"]:F2} dB   SSIM {metrics["ssim"]:F4}" + (fd is double f ? $"   FD-ResNet18 {f:F2}" : ""));
            context.Out.WriteLine($"wrote {metricsPath}, {Path.Combine(folder, "grid.png")} and {Path.Combine(folder, "reconstructions")}");
        }
        return VitokApp.Success;
    }
}
