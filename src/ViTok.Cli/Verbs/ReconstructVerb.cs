using System.CommandLine;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Cli.NativeSize;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok reconstruct`: encode and decode a SOURCE with a tokenizer file; write images, a grid and metrics.</summary>
public sealed class ReconstructVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _model = new("--model") { Description = "Tokenizer file (.safetensors), or a ViTok-v2 checkpoint folder (encoder.safetensors + decoder.safetensors: the first --count images of a folder:PATH by name, at their native size, all written as PNG).", Required = true };
    readonly Option<string> _data = new("--data") { Description = DataOptions.SourceHelp, Required = true };
    readonly Option<string> _out = new("--out") { Description = "Output folder: metrics.json, grid.png, reconstructions/.", Required = true };
    readonly Option<int> _count = new("--count") { Description = "Items to evaluate (a seeded sample when the source has more).", DefaultValueFactory = _ => 1000 };
    readonly Option<int> _save = new("--save") { Description = "Reconstructions to write as PNG files (original and reconstruction).", DefaultValueFactory = _ => 16 };
    readonly Option<int> _batch = new("--batch") { Description = "Items per forward pass.", DefaultValueFactory = _ => 64 };
    readonly Option<bool> _noFd = new("--no-fd") { Description = "Skip FD-ResNet18." };
    readonly Option<string?> _classifier = new("--classifier") { Description = "Also measure FD-clf: the Frechet distance in an image classifier's features (a classifier file, or 'fmnist' for the shipped Fashion-MNIST classifier); when its classes are the data's, also the class accuracy of the reconstructions and of the originals." };
    readonly Option<bool> _json = new("--json") { Description = "Print the metrics as JSON." };
    readonly Option<int> _maxTokens = new("--max-tokens") { Description = "ViTok-v2: token budget; images over it are shrunk keeping their aspect ratio.", DefaultValueFactory = _ => Models.Tokenizer.IImageTokenizer.Defaults.MaxTokens };
    readonly Option<bool> _bf16 = new("--bf16") { Description = "ViTok-v2: run in bfloat16." };
    readonly Option<bool> _skipBad = SkippedFiles.Option();

    public Command Create()
    {
        var command = new Command("reconstruct", "Reconstruct data with a tokenizer: PSNR, SSIM, FD-ResNet18, a side-by-side grid and image files.");
        foreach (var o in new Option[] { _model, _data, _out, _count, _save, _batch, _noFd, _classifier, _json, _maxTokens, _bf16, _skipBad }) command.Options.Add(o);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string modelPath = parse.GetValue(_model)!;
        int count = parse.GetValue(_count), save = parse.GetValue(_save), batch = parse.GetValue(_batch);
        if (count < 1) throw new UsageException($"--count: {count} must be at least 1.");
        if (save < 0) throw new UsageException($"--save: {save} must not be negative.");
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        string folder = OutputPaths.RequireFolder("--out", parse.GetValue(_out)!);
        bool skipBad = parse.GetValue(_skipBad);
        if (TokenizerModels.Read("--model", modelPath).NativeResolution)
        {
            if (parse.GetValue(_classifier) is not null)
                throw new UsageException("--classifier: not used with a native-resolution tokenizer (ViTok-v2); run vitok metrics --classifier on the originals/ and reconstructions/ folders it writes.");
            var r = NativeSizeReconstructCommand.Run(modelPath, parse.GetValue(_data)!, folder, NativeSizeImages.MaxTokens("--max-tokens", parse.GetValue(_maxTokens)),
                batch, parse.GetValue(_bf16), _compute.Read(parse), count, skipBad);
            string metricsFile = Path.Combine(folder, "metrics.json");
            SkippedFiles.Report(parse.GetValue(_json) ? context.Error : context.Out, r.Skipped);
            if (parse.GetValue(_json)) context.Out.WriteLine(File.ReadAllText(metricsFile));
            else
            {
                context.Out.WriteLine($"ViTok-v2 on {r.Count} images of {parse.GetValue(_data)} at their native size");
                context.Out.WriteLine($"PSNR {r.Psnr:F2} dB" + (r.Ssim is double s ? $"   SSIM {s:F4}" : "   SSIM n/a (images under 11x11)"));
                context.Out.WriteLine($"wrote {metricsFile}, {r.Originals} and {r.Reconstructions} (pair them with vitok metrics for FD)");
            }
            return VitokApp.Success;
        }
        string? classifierPath = parse.GetValue(_classifier);
        if (classifierPath is "fmnist") classifierPath = Bundled.Require(Bundled.FashionMnistClassifier);
        if (classifierPath is not null && !File.Exists(classifierPath)) throw new UsageException($"--classifier: file '{classifierPath}' does not exist.");
        var config = TokenizerFile.ReadConfig(modelPath);
        var source = DataOptions.Open("--data", parse.GetValue(_data)!, new ClipSourceDefaults(config.ImageSize, config.Frames, SkipUndecodableNames: skipBad));
        DataOptions.CheckShape("--data", source, config.Frames, config.ImageSize, skipBad);
        var device = TorchRuntime.Resolve(_compute.Read(parse));

        using var features = parse.GetValue(_noFd) ? null : FeatureNetwork.ResNet18();
        features?.to(device);
        using var classifier = classifierPath is null ? null : ImageClassifierFile.Load(classifierPath, device);
        // The items are read before the tokenizer runs: an unreadable one stops here, naming its file, unless skipped.
        using var evaluation = ReadItems(source, count, features, batch, classifier, skipBad);
        using var model = TokenizerFile.Load(modelPath, device);
        Directory.CreateDirectory(folder);
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
        double? fdClf = metrics.TryGetValue("fd_clf", out var fdClfValue) ? fdClfValue : null;
        double? fvdProxy = metrics.TryGetValue("fvd_proxy", out var fvdValue) ? fvdValue : null;
        double? accuracy = metrics.TryGetValue("class_accuracy", out var accuracyValue) ? accuracyValue : null;
        double? originalsAccuracy = metrics.TryGetValue("class_accuracy_originals", out var originalsValue) ? originalsValue : null;
        var report = new Dictionary<string, object?>
        {
            ["model"] = modelPath, ["variant"] = config.Variant, ["channels"] = config.Channels, ["bottleneck"] = config.BottleneckSize,
            ["data"] = source.Description, ["count"] = evaluation.Count,
            ["psnr"] = metrics["psnr"], ["ssim"] = metrics["ssim"], ["fd"] = fd,
            ["fd_features"] = features is null ? null : "FD-ResNet18",
            ["fd_clf"] = fdClf, ["classifier"] = classifierPath, ["fvd_proxy"] = fvdProxy,
            ["class_accuracy"] = accuracy, ["class_accuracy_originals"] = originalsAccuracy,
        };
        var skipped = DataOptions.LeftOut(source).Concat(evaluation.Skipped).ToList();
        if (skipBad) report["skipped"] = skipped;
        string json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
        string metricsPath = Path.Combine(folder, "metrics.json");
        AtomicFile.WriteAllText(metricsPath, json);
        SkippedFiles.Report(parse.GetValue(_json) ? context.Error : context.Out, skipped);
        if (parse.GetValue(_json)) context.Out.WriteLine(json);
        else
        {
            context.Out.WriteLine($"{config.Variant} c={config.Channels} (E={config.BottleneckSize}) on {evaluation.Count} items of {source.Description}");
            context.Out.WriteLine($"PSNR {metrics["psnr"]:F2} dB   SSIM {metrics["ssim"]:F4}" + (fd is double f ? $"   FD-ResNet18 {f:F2}" : "") + (fvdProxy is double v ? $"   FVD-proxy {v:F2}" : "") + (fdClf is double g ? $"   FD-clf {g:F3}" : ""));
            if (accuracy is double a)
                context.Out.WriteLine($"class accuracy of the reconstructions {a:P1}, of the originals {originalsAccuracy:P1} (the classifier's class of each item{(config.Frames > 1 ? ", from all its frames" : "")})");
            context.Out.WriteLine($"wrote {metricsPath}, {Path.Combine(folder, "grid.png")} and {Path.Combine(folder, "reconstructions")}");
        }
        return VitokApp.Success;
    }

    static TokenizerEvaluation ReadItems(IClipSource source, int count, FeatureNetwork? features, int batch, ImageClassifier? classifier, bool skipBad)
    {
        try { return new TokenizerEvaluation(source, count, features, batch, classifier: classifier, skipBadItems: skipBad); }
        catch (BadItemException e) { throw DataOptions.BadFile("--data", e); }
        catch (InvalidDataException e) { throw new InvalidDataException($"--data: {e.Message}", e); }
    }
}
