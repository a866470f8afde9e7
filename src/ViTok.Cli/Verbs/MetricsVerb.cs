using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Cli.NativeSize;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok metrics`: PSNR and SSIM over image pairs matched by file name, and the Frechet distance and Inception Score
/// over the two sets, with the shipped ResNet18 or a user-supplied ONNX backbone. With --classifier, also IS, FD and
/// class accuracy measured with an image classifier (see <see cref="ImageFolderMetrics"/>); with --unpaired, two
/// independent sets (e.g. generated and real images) without PSNR and SSIM.
/// </summary>
public sealed class MetricsVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _reference = new("--reference") { Description = "Folder of reference images.", Required = true };
    readonly Option<string> _candidate = new("--candidate") { Description = "Folder of candidate images (same file names as the reference).", Required = true };
    readonly Option<string> _features = new("--features")
    {
        Description = "Feature network: 'resnet18' (shipped ImageNet ResNet18, gives FD-ResNet18) or an ONNX file (an Inception-v3 pool3 ONNX gives FID).",
        DefaultValueFactory = _ => "resnet18",
    };
    readonly Option<string> _input = new("--features-input")
    {
        Description = "Pixels an ONNX backbone expects: imagenet (torchvision), minus1to1, zero-one, 0-255, lpips.",
        DefaultValueFactory = _ => "imagenet",
    };
    readonly Option<int> _batch = new("--batch-size") { Description = "Images per forward pass.", DefaultValueFactory = _ => 16 };
    readonly Option<bool> _json = new("--json") { Description = "Print one JSON object (psnr, ssim, fd, is, ...) instead of text." };
    readonly Option<string?> _classifier = new("--classifier")
    {
        Description = "Image classifier file (vitok train-classifier), or 'fmnist' for the shipped Fashion-MNIST classifier: adds IS-<name> over the candidates, FD-<name> " +
                      "between the sets and, when the candidate folder has one sub-folder per class (class name or index), the class accuracy. " +
                      "Images in immediate sub-folders are then read too, paired by relative path.",
    };
    readonly Option<string?> _model = new("--model")
    {
        Description = "A ViTok-v2 checkpoint folder: the reference images are reconstructed at their native size into the --candidate folder " +
                      "(originals/ and reconstructions/, as PNG), and the metrics compare those two.",
    };
    readonly Option<int> _maxTokens = new("--max-tokens") { Description = "With --model: token budget; images over it are shrunk keeping their aspect ratio.", DefaultValueFactory = _ => Models.Tokenizer.IImageTokenizer.Defaults.MaxTokens };
    readonly Option<bool> _skipBad = SkippedFiles.Option();
    readonly Option<bool> _unpaired = new("--unpaired") { Description = "The folders are independent sets (e.g. generated vs real images): no pairing, no PSNR/SSIM; sub-folders are read too." };

    public Command Create()
    {
        var command = new Command("metrics", "PSNR/SSIM over image pairs (by file name), Frechet distance and Inception Score over the sets.");
        foreach (var option in new Option[] { _reference, _candidate, _features, _input, _batch, _json, _classifier, _unpaired, _model, _maxTokens, _skipBad }) command.Options.Add(option);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        var compute = _compute.Read(parse);
        string reference = parse.GetValue(_reference)!, candidate = parse.GetValue(_candidate)!;
        string features = parse.GetValue(_features)!;
        int batch = parse.GetValue(_batch);
        if (batch < 1) throw new UsageException($"--batch-size: {batch} is not valid; use a positive count.");
        var normalization = parse.GetValue(_input) switch
        {
            "imagenet" => ImageNormalization.ImageNet,
            "minus1to1" => ImageNormalization.MinusOneToOne,
            "zero-one" => ImageNormalization.ZeroToOne,
            "0-255" => ImageNormalization.ZeroTo255,
            "lpips" => ImageNormalization.Lpips,
            var other => throw new UsageException($"--features-input: '{other}' is not valid; use imagenet, minus1to1, zero-one, 0-255 or lpips."),
        };
        bool skipBad = parse.GetValue(_skipBad);
        var skippedBefore = new List<string>();
        if (parse.GetValue(_model) is { } model)
        {
            if (!TokenizerFiles.IsFolder(model) || !TokenizerModels.Read("--model", model).NativeResolution)
                throw new UsageException($"--model: '{model}' is not a native-resolution tokenizer (a ViTok-v2 checkpoint folder: encoder.safetensors and decoder.safetensors); for a tokenizer file use vitok reconstruct.");
            if (!Directory.Exists(reference)) throw new UsageException($"--reference: folder '{reference}' does not exist.");
            OutputPaths.RequireFolder("--candidate", candidate);
            var r = NativeSizeReconstructCommand.Run(model, reference, candidate, NativeSizeImages.MaxTokens("--max-tokens", parse.GetValue(_maxTokens)), batch, bf16: false, compute,
                skipBad: skipBad, option: "--reference");
            (reference, candidate) = (r.Originals, r.Reconstructions);
            skippedBefore.AddRange(r.Skipped);
        }
        foreach (var (option, dir) in new[] { ("--reference", reference), ("--candidate", candidate) })
            if (!Directory.Exists(dir)) throw new UsageException($"{option}: folder '{dir}' does not exist.");
        bool shipped = features.Equals("resnet18", StringComparison.OrdinalIgnoreCase);
        if (!shipped && !File.Exists(features))
            throw new UsageException($"--features: '{features}' is neither 'resnet18' nor an existing ONNX file.");

        string? classifierPath = parse.GetValue(_classifier);
        if (string.Equals(classifierPath, "fmnist", StringComparison.OrdinalIgnoreCase) && !File.Exists(classifierPath))
            classifierPath = Bundled.Require(Bundled.FashionMnistClassifier);
        if (classifierPath is not null && !File.Exists(classifierPath))
            throw new UsageException($"--classifier: classifier file '{classifierPath}' does not exist.");
        bool unpaired = parse.GetValue(_unpaired);

        var device = TorchRuntime.Resolve(compute);
        using var network = shipped ? FeatureNetwork.ResNet18() : FeatureNetwork.Load(features, new FeatureNetworkOptions { Normalization = normalization });
        network.to(device);
        using var classifier = classifierPath is null ? null : ImageClassifierFile.Load(classifierPath, device);
        FolderMetrics m;
        try
        {
            m = ImageFolderMetrics.Compute(reference, candidate, network, new FolderMetricsOptions
            {
                BatchSize = batch,
                Classifier = classifier,
                Paired = !unpaired,
                Subfolders = classifier is not null || unpaired,
                SkipBadFiles = skipBad,
            });
        }
        catch (InvalidDataException e) when (e.InnerException is BadItemException)
        {
            throw new InvalidDataException($"{e.Message} (--skip-bad-files skips unreadable files).", e);
        }
        var skipped = skippedBefore.Concat(m.Skipped).ToList();

        bool json = parse.GetValue(_json);
        SkippedFiles.Report(json ? context.Error : context.Out, skipped);
        if (json) context.Out.WriteLine(Json(m, extended: classifier is not null || unpaired, skipBad ? skipped : null));
        else Text(m, context.Out);
        return VitokApp.Success;
    }

    /// <param name="skipped">With --skip-bad-files, the files left out (written as "skipped"); null: the key is left out.</param>
    static string Json(FolderMetrics m, bool extended, IReadOnlyList<string>? skipped)
    {
        var o = new Dictionary<string, object?>
        {
            ["pairs"] = m.Pairs,
            ["psnr"] = m.Psnr,
            ["ssim"] = m.Ssim,
            ["fd"] = m.Fd,
            ["is"] = m.InceptionScore,
            ["is_std"] = m.InceptionScoreStd,
            ["psnr_data_range"] = m.DataRange,
            ["features"] = m.Features,
            ["fd_label"] = m.FdLabel,
            ["fd_note"] = m.FdNote,
            ["is_label"] = m.IsLabel,
            ["is_note"] = m.IsNote,
            ["images"] = m.PerImage.Select(s => new Dictionary<string, object> { ["name"] = s.Name, ["psnr"] = s.Psnr, ["ssim"] = s.Ssim }).ToList(),
        };
        if (skipped is not null) o["skipped"] = skipped;
        if (extended)
        {
            // Only with --classifier or --unpaired, so that the output without them stays as it was.
            o["paired"] = m.Paired;
            o["reference_images"] = m.ReferenceImages;
            o["candidate_images"] = m.CandidateImages;
            if (!m.Paired)
            {
                o["psnr"] = null;
                o["ssim"] = null;
            }
            if (m.Classifier is { } c)
                o["classifier"] = new Dictionary<string, object?>
                {
                    ["name"] = c.Classifier,
                    ["is_label"] = c.IsLabel,
                    ["is"] = c.InceptionScore,
                    ["is_std"] = c.InceptionScoreStd,
                    ["is_splits"] = c.Splits,
                    ["fd_label"] = c.FdLabel,
                    ["fd"] = c.Fd,
                    ["fd_note"] = c.FdNote,
                    ["class_accuracy"] = c.ClassAccuracy?.Accuracy,
                    ["class_accuracy_note"] = m.ClassAccuracyNote,
                    ["per_class"] = c.ClassAccuracy?.PerClass.Select(p => new Dictionary<string, object?>
                    {
                        ["label"] = p.Label, ["name"] = p.Name, ["requested"] = p.Requested, ["correct"] = p.Correct, ["predicted"] = p.Predicted, ["accuracy"] = p.Accuracy,
                    }).ToList(),
                };
        }
        // PSNR of identical images is +infinity, written as the JSON string "Infinity".
        return JsonSerializer.Serialize(o, new JsonSerializerOptions { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals });
    }

    static void Text(FolderMetrics m, TextWriter o)
    {
        static string F(double v, string format) => double.IsPositiveInfinity(v) ? "infinity" : v.ToString(format, CultureInfo.InvariantCulture);
        if (m.Paired)
        {
            o.WriteLine($"pairs        {m.Pairs}");
            o.WriteLine($"PSNR         {F(m.Psnr, "F3")} dB (mean over images; data range 2 for pixels in [-1, 1], i.e. 255 in 8-bit)");
            o.WriteLine($"SSIM         {F(m.Ssim, "F4")} (Gaussian window 11, sigma 1.5; mean over images)");
        }
        else o.WriteLine($"images       {m.ReferenceImages} reference, {m.CandidateImages} candidate (unpaired: no PSNR/SSIM)");
        o.WriteLine(m.Fd is double fd ? $"{m.FdLabel,-12} {F(fd, "F4")} ({m.Features} features)" : $"{m.FdLabel,-12} n/a: {m.FdNote}");
        o.WriteLine(m.InceptionScore is double s ? $"{m.IsLabel,-12} {F(s, "F4")} +- {F(m.InceptionScoreStd ?? 0, "F4")}" : $"{m.IsLabel,-12} n/a: {m.IsNote}");
        if (m.Classifier is not { } c) return;
        int w = Math.Max(14, Math.Max(c.IsLabel.Length, c.FdLabel.Length));
        o.WriteLine($"{c.IsLabel.PadRight(w)} {F(c.InceptionScore, "F4")} +- {F(c.InceptionScoreStd, "F4")} ({c.Splits} splits of {c.Count} candidates)");
        o.WriteLine(c.Fd is double cfd ? $"{c.FdLabel.PadRight(w)} {F(cfd, "F4")} ({c.Classifier} features)" : $"{c.FdLabel.PadRight(w)} n/a: {c.FdNote}");
        if (c.ClassAccuracy is not { } a)
        {
            o.WriteLine($"{"class accuracy".PadRight(w)} n/a: {m.ClassAccuracyNote}");
            return;
        }
        o.WriteLine($"{"class accuracy".PadRight(w)} {F(a.Accuracy, "F4")} ({a.Correct}/{a.Count} classified as their folder's class)");
        int nameWidth = a.PerClass.Max(p => p.Name.Length);
        foreach (var p in a.PerClass.Where(p => p.Requested > 0))
            o.WriteLine($"  {p.Name.PadRight(nameWidth)}  {F(p.Accuracy!.Value, "F4")} ({p.Correct}/{p.Requested})");
    }
}
