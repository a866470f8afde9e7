using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using ViTok.Cli.Verbs;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Cli.NativeSize;

/// <summary>
/// `vitok reconstruct` with a native-resolution tokenizer (a ViTok-v2 checkpoint folder): every image of a folder is encoded and decoded at its
/// native size (shrunk first when over the token budget). Writes originals/NAME.png (the image the model saw) and
/// reconstructions/NAME.png (same relative names, so `vitok metrics` pairs them), and metrics.json with per-image
/// and mean PSNR and SSIM (reconstructions clamped to [-1, 1]; SSIM needs at least 11x11 pixels).
/// </summary>
static class NativeSizeReconstructCommand
{
    public sealed record Result(int Count, double Psnr, double? Ssim, string Originals, string Reconstructions, IReadOnlyList<string> Skipped);

    /// <param name="count">At most this many images (the first by relative name); null: all.</param>
    /// <param name="skipBad">Leave out unreadable images (listed in <see cref="Result.Skipped"/>) instead of stopping at the first.</param>
    /// <param name="option">The option that named <paramref name="data"/>, for errors.</param>
    public static Result Run(string modelFolder, string data, string folder, int maxTokens, int batch, bool bf16, ComputeOptions compute, int? count = null,
        bool skipBad = false, string option = "--data")
    {
        var skipped = new List<string>();
        var files = NativeSizeImages.List(option, data, skipBad ? skipped : null).Take(count ?? int.MaxValue).ToList();
        var device = TorchRuntime.Resolve(compute);
        using var inference = TokenizerFiles.Open(modelFolder, encoder: true, decoder: true, device, bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
        string originals = Path.Combine(folder, "originals"), reconstructions = Path.Combine(folder, "reconstructions");
        var perImage = new List<Dictionary<string, object?>>();
        var psnrs = new List<double>();
        var ssims = new List<double>();
        int done = 0;
        foreach (var group in files.Chunk(batch))
        {
            var chunk = NativeSizeImages.LoadReadable(group, inference, maxTokens, option, skipBad, skipped);
            if (chunk.Count == 0) continue;
            var images = chunk.Select(f => f.Image).ToList();
            var decoded = inference.Decode(inference.Encode(images, batch), batch);
            done += chunk.Count;
            for (int i = 0; i < chunk.Count; i++)
            {
                using var scope = NewDisposeScope();
                var original = tensor(images[i].Pixels, [3, images[i].Height, images[i].Width]);
                var output = PixelRange.Clamp(tensor(decoded[i].Pixels, [3, decoded[i].Height, decoded[i].Width]));
                string png = NativeSizeImages.PngName(chunk[i].Name);
                foreach (var (dir, image) in new[] { (originals, original), (reconstructions, output) })
                {
                    string path = Path.Combine(dir, png);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    ImageFiles.Save(image, path);
                }
                double psnr = Psnr.PerItem(original.unsqueeze(0), output.unsqueeze(0))[0];
                double? ssim = images[i].Height >= Ssim.WindowSize && images[i].Width >= Ssim.WindowSize
                    ? Ssim.PerItem(original.unsqueeze(0), output.unsqueeze(0))[0] : null;
                psnrs.Add(psnr);
                if (ssim is double s) ssims.Add(s);
                perImage.Add(new() { ["name"] = chunk[i].Name, ["height"] = images[i].Height, ["width"] = images[i].Width, ["psnr"] = psnr, ["ssim"] = ssim });
            }
        }
        if (done == 0) throw new InvalidDataException($"{option}: none of the {files.Count} images of '{data}' could be read (the first: {skipped[0]}).");
        var result = new Result(done, psnrs.Average(), ssims.Count > 0 ? ssims.Average() : null, originals, reconstructions, skipped);
        var report = new Dictionary<string, object?>
        {
            ["model"] = modelFolder, ["variant"] = inference.Shape.Variant, ["channels"] = inference.Shape.Channels, ["max_tokens"] = maxTokens,
            ["data"] = data, ["count"] = done, ["psnr"] = result.Psnr, ["ssim"] = result.Ssim,
            ["dtype"] = bf16 ? "bf16" : "fp32", ["images"] = perImage,
        };
        if (skipBad) report["skipped"] = skipped;
        string json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals });
        string metricsPath = Path.Combine(folder, "metrics.json");
        AtomicFile.WriteAllText(metricsPath, json);
        return result;
    }
}
