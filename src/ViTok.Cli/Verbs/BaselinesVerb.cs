using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ViTok.Models.Baselines;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok baselines`: a tokenizer against a bicubic thumbnail, PCA and JPEG at its size on held-out images, per image,
/// with the paired margins and the verdict "beats it by more than the spread over images".
/// </summary>
public sealed class BaselinesVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _model = new("--model") { Description = "Tokenizer file (.safetensors) of an image tokenizer.", Required = true };
    readonly Option<string> _data = new("--data") { Description = "Held-out images (not used in training). " + DataOptions.SourceHelp, Required = true };
    readonly Option<string> _fitData = new("--fit-data") { Description = "Training images that PCA is fitted on (random crops are drawn anew for each item read).", Required = true };
    readonly Option<int> _fitCount = new("--fit-count") { Description = "Training crops PCA is fitted on (at least the latent size E; cycles over --fit-data with a new seed each pass).", DefaultValueFactory = _ => 2048 };
    readonly Option<int> _count = new("--count") { Description = "Held-out images to score (the first ones).", DefaultValueFactory = _ => 1000 };
    readonly Option<int> _bytesPerValue = new("--bytes-per-value") { Description = "Bytes per latent value that JPEG's budget is counted in (2: 16-bit values).", DefaultValueFactory = _ => 2 };
    readonly Option<string?> _out = new("--out") { Description = "Write baselines.json (every per-image score) here." };

    public Command Create()
    {
        var command = new Command("baselines", "Score a tokenizer against a bicubic thumbnail, PCA and JPEG of the same size on held-out images, per image.");
        foreach (var o in new Option[] { _model, _data, _fitData, _fitCount, _count, _bytesPerValue, _out }) command.Options.Add(o);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string modelPath = parse.GetValue(_model)!;
        if (!File.Exists(modelPath)) throw new UsageException($"--model: tokenizer file '{modelPath}' does not exist.");
        int count = parse.GetValue(_count), fitCount = parse.GetValue(_fitCount), bytesPerValue = parse.GetValue(_bytesPerValue);
        if (count < 2) throw new UsageException($"--count: {count}; at least 2 images give a spread.");
        if (bytesPerValue is < 1 or > 8) throw new UsageException($"--bytes-per-value: {bytesPerValue} must be between 1 and 8.");
        string? folder = parse.GetValue(_out) is { } o ? OutputPaths.RequireFolder("--out", o) : null;
        var config = TokenizerFile.ReadConfig(modelPath);
        if (config.Frames != 1) throw new UsageException($"--model: '{modelPath}' takes {config.Frames}-frame clips; the baselines are for image tokenizers.");
        if (fitCount < config.BottleneckSize)
            throw new UsageException($"--fit-count: {fitCount} crops cannot fit PCA with E = {config.BottleneckSize} components; give at least {config.BottleneckSize}.");
        var defaults = new ClipSourceDefaults(config.ImageSize, 1);
        var heldOut = DataOptions.Open("--data", parse.GetValue(_data)!, defaults);
        var fit = DataOptions.Open("--fit-data", parse.GetValue(_fitData)!, defaults);
        DataOptions.CheckShape("--data", heldOut, 1, config.ImageSize);
        DataOptions.CheckShape("--fit-data", fit, 1, config.ImageSize);
        TorchThreads.Check(_compute.Read(parse).Threads);

        using var scope = NewDisposeScope();
        var held = Read("--data", heldOut, Math.Min(count, heldOut.Count), i => (i, 0));
        var crops = Read("--fit-data", fit, fitCount, k => (k % fit.Count, k / fit.Count));
        using var model = TokenizerFile.Load(modelPath);
        model.eval();
        var methods = TorchThreads.Run(_compute.Read(parse).Threads, () => BaselineComparison.Run(model, held, crops, bytesPerValue));

        var ours = methods[0];
        int n = ours.Psnr.Length;
        context.Out.WriteLine($"{config.Variant} c={config.Channels} (E = {config.BottleneckSize}) on {n} images of {heldOut.Description}; PCA fitted on {fitCount} crops of {fit.Description}");
        context.Out.WriteLine($"{"method",-70} {"size",12} {"PSNR dB",15} {"SSIM",15}   margin of the tokenizer (mean, sd over images; wins)");
        var report = new List<Dictionary<string, object>>();
        foreach (var m in methods)
        {
            string line = $"{m.Name,-70} {m.Size,12} {Mean(m.Psnr),7:F2} +- {Sd(m.Psnr),4:F2} {Mean(m.Ssim),7:F4} +- {Sd(m.Ssim),5:F3}";
            var entry = new Dictionary<string, object> { ["method"] = m.Name, ["size"] = m.Size, ["psnr"] = m.Psnr, ["ssim"] = m.Ssim };
            if (m != ours)
            {
                var dp = ours.Psnr.Zip(m.Psnr, (a, b) => a - b).ToArray();
                var ds = ours.Ssim.Zip(m.Ssim, (a, b) => a - b).ToArray();
                bool beats = Mean(dp) > Sd(dp) && Mean(ds) > Sd(ds);
                line += $"   PSNR {Mean(dp):+0.00;-0.00} (sd {Sd(dp):F2}, {dp.Count(d => d > 0)}/{n}), SSIM {Mean(ds):+0.000;-0.000} (sd {Sd(ds):F3}, {ds.Count(d => d > 0)}/{n}): " +
                        (beats ? "beats it by more than the spread" : "does NOT beat it by more than the spread");
                entry["margin_psnr"] = new { mean = Mean(dp), sd = Sd(dp), wins = dp.Count(d => d > 0) };
                entry["margin_ssim"] = new { mean = Mean(ds), sd = Sd(ds), wins = ds.Count(d => d > 0) };
                entry["beats_by_more_than_spread"] = beats;
            }
            context.Out.WriteLine(line);
            report.Add(entry);
        }
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "baselines.json");
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new
            {
                model = modelPath, variant = config.Variant, channels = config.Channels, e = config.BottleneckSize, data = heldOut.Description,
                fit_data = fit.Description, fit_count = fitCount, bytes_per_value = bytesPerValue, count = n,
                date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), methods = report,
            }, new JsonSerializerOptions { WriteIndented = true }));
            context.Out.WriteLine($"wrote {path}");
        }
        return VitokApp.Success;
    }

    /// <summary>Items [N, 3, H, W]: item k is <paramref name="pick"/>(k) = (index, seed of its augmentation).</summary>
    static Tensor Read(string option, IClipSource source, int count, Func<int, (int Index, int Seed)> pick)
    {
        var clips = new List<Clip>(count);
        for (int k = 0; k < count; k++)
        {
            var (index, seed) = pick(k);
            try { clips.Add(source.Read(index, new Random(seed))); }
            catch (BadItemException e) { throw DataOptions.BadFile(option, e); }
        }
        return ClipTensors.Stack(clips).select(2, 0);
    }

    static double Mean(double[] v) => v.Average();
    static double Sd(double[] v)
    {
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1));
    }
}
