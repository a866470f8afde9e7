using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok metrics`: PSNR and SSIM over image pairs matched by file name, and the Frechet distance and Inception Score
/// over the two sets, with the shipped ResNet18 or a user-supplied ONNX backbone.
/// </summary>
public sealed class MetricsVerb : IVerb
{
    Func<ParseResult, ComputeOptions> _compute = null!;
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

    public Command Create()
    {
        var command = new Command("metrics", "PSNR/SSIM over image pairs (by file name), Frechet distance and Inception Score over the sets.");
        foreach (var option in new Option[] { _reference, _candidate, _features, _input, _batch, _json }) command.Options.Add(option);
        _compute = GlobalOptions.AddCompute(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        var compute = _compute(parse);
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
        foreach (var (option, dir) in new[] { ("--reference", reference), ("--candidate", candidate) })
            if (!Directory.Exists(dir)) throw new UsageException($"{option}: folder '{dir}' does not exist.");
        bool shipped = features.Equals("resnet18", StringComparison.OrdinalIgnoreCase);
        if (!shipped && !File.Exists(features))
            throw new UsageException($"--features: '{features}' is neither 'resnet18' nor an existing ONNX file.");

        var device = TorchRuntime.Resolve(compute);
        using var network = shipped ? FeatureNetwork.ResNet18() : FeatureNetwork.Load(features, new FeatureNetworkOptions { Normalization = normalization });
        network.to(device);
        var m = ImageFolderMetrics.Compute(reference, candidate, network, batch);

        if (parse.GetValue(_json)) context.Out.WriteLine(Json(m));
        else Text(m, context.Out);
        return VitokApp.Success;
    }

    static string Json(FolderMetrics m)
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
        // PSNR of identical images is +infinity, written as the JSON string "Infinity".
        return JsonSerializer.Serialize(o, new JsonSerializerOptions { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals });
    }

    static void Text(FolderMetrics m, TextWriter o)
    {
        static string F(double v, string format) => double.IsPositiveInfinity(v) ? "infinity" : v.ToString(format, CultureInfo.InvariantCulture);
        o.WriteLine($"pairs        {m.Pairs}");
        o.WriteLine($"PSNR         {F(m.Psnr, "F3")} dB (mean over images; data range 2 for pixels in [-1, 1], i.e. 255 in 8-bit)");
        o.WriteLine($"SSIM         {F(m.Ssim, "F4")} (Gaussian window 11, sigma 1.5; mean over images)");
        o.WriteLine(m.Fd is double fd ? $"{m.FdLabel,-12} {F(fd, "F4")} ({m.Features} features)" : $"{m.FdLabel,-12} n/a: {m.FdNote}");
        o.WriteLine(m.InceptionScore is double s ? $"{m.IsLabel,-12} {F(s, "F4")} +- {F(m.InceptionScoreStd ?? 0, "F4")}" : $"{m.IsLabel,-12} n/a: {m.IsNote}");
    }
}
