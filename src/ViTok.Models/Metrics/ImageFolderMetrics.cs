using TorchSharp;
using ViTok.Models.Data;
using ViTok.Models.Onnx;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>PSNR and SSIM of one reference/candidate pair.</summary>
public sealed record ImagePairScore(string Name, double Psnr, double Ssim);

/// <summary>
/// Reconstruction and generation metrics between two image folders. PSNR (dB, data range 2 for pixels in [-1, 1],
/// i.e. 255 on 8-bit images; per image, then averaged; +infinity when every pair is identical) and SSIM are over
/// pairs matched by file name. The Frechet distance compares the two sets' features; the Inception Score is over
/// the candidate set and needs a network with a classifier output. A metric that cannot be computed is null with a
/// note saying why.
/// </summary>
public sealed record FolderMetrics(
    int Pairs,
    double DataRange,
    double Psnr,
    double Ssim,
    string Features,
    string FdLabel,
    double? Fd,
    string? FdNote,
    string IsLabel,
    double? InceptionScore,
    double? InceptionScoreStd,
    string? IsNote,
    IReadOnlyList<ImagePairScore> PerImage);

/// <summary>Computes <see cref="FolderMetrics"/> over two folders whose image files pair up by name.</summary>
public static class ImageFolderMetrics
{
    /// <summary>Pairs the image files of two folders by name; any file without a partner is an error naming it.</summary>
    public static IReadOnlyList<(string Name, string Reference, string Candidate)> Pair(string referenceDir, string candidateDir)
    {
        var reference = ImageFiles.List(referenceDir).ToDictionary(p => Path.GetFileName(p), StringComparer.Ordinal);
        var candidate = ImageFiles.List(candidateDir).ToDictionary(p => Path.GetFileName(p), StringComparer.Ordinal);
        if (reference.Count == 0) throw new InvalidDataException($"Reference folder '{referenceDir}' holds no images ({string.Join(", ", ImageFiles.Extensions.Order())}).");
        if (candidate.Count == 0) throw new InvalidDataException($"Candidate folder '{candidateDir}' holds no images ({string.Join(", ", ImageFiles.Extensions.Order())}).");
        var onlyReference = reference.Keys.Where(k => !candidate.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var onlyCandidate = candidate.Keys.Where(k => !reference.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (onlyReference.Count > 0 || onlyCandidate.Count > 0)
            throw new InvalidDataException("Image files do not pair up by name: " + string.Join("; ",
                new[] { (onlyReference, $"only in the reference folder '{referenceDir}'"), (onlyCandidate, $"only in the candidate folder '{candidateDir}'") }
                    .Where(x => x.Item1.Count > 0).Select(x => $"{x.Item2}: {Names(x.Item1)}")) + ".");
        return reference.Keys.Order(StringComparer.Ordinal).Select(k => (k, reference[k], candidate[k])).ToList();
    }

    static string Names(List<string> names) =>
        names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(8)) + $" and {names.Count - 8} more";

    public static FolderMetrics Compute(string referenceDir, string candidateDir, FeatureNetwork network, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        var pairs = Pair(referenceDir, candidateDir);
        var scores = new List<ImagePairScore>();
        var referenceFeatures = new List<Tensor>();
        var candidateFeatures = new List<Tensor>();
        var candidateLogits = new List<Tensor>();
        var device = network.Backbone.Device;
        try
        {
            foreach (var chunk in pairs.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var refs = new List<Tensor>();
                var cands = new List<Tensor>();
                foreach (var (name, refPath, candPath) in chunk)
                {
                    var r = ImageFiles.Load(refPath);
                    var c = ImageFiles.Load(candPath);
                    if (!r.shape.SequenceEqual(c.shape))
                        throw new InvalidDataException($"Image '{name}' differs in size: '{refPath}' is {r.shape[2]}x{r.shape[1]}, '{candPath}' is {c.shape[2]}x{c.shape[1]}.");
                    if (r.shape[1] < Ssim.WindowSize || r.shape[2] < Ssim.WindowSize)
                        throw new InvalidDataException($"Image '{name}' is {r.shape[2]}x{r.shape[1]}; SSIM needs at least {Ssim.WindowSize}x{Ssim.WindowSize} pixels.");
                    var rb = r.unsqueeze(0);
                    var cb = c.unsqueeze(0);
                    scores.Add(new ImagePairScore(name, Metrics.Psnr.PerItem(rb, cb)[0], Metrics.Ssim.PerItem(rb, cb)[0]));
                    refs.Add(rb.to(device));
                    cands.Add(cb.to(device));
                }
                referenceFeatures.AddRange(FeaturesBySize(refs, network.Features).Select(t => t.MoveToOuterDisposeScope()));
                candidateFeatures.AddRange(FeaturesBySize(cands, network.Features).Select(t => t.MoveToOuterDisposeScope()));
                if (network.HasLogits) candidateLogits.AddRange(FeaturesBySize(cands, network.Logits).Select(t => t.MoveToOuterDisposeScope()));
            }

            double? fd = null;
            string? fdNote = null;
            string fdLabel = $"FD-{network.Label}";
            using (no_grad())
            {
                using var a = cat(referenceFeatures, 0);
                using var b = cat(candidateFeatures, 0);
                fdLabel = network.FrechetLabel(a.shape[1]);
                if (pairs.Count < 2) fdNote = "a Frechet distance needs at least 2 images in each folder";
                else fd = FrechetDistance.Compute(a, b);
            }

            double? isMean = null, isStd = null;
            string? isNote = null;
            if (!network.HasLogits)
                isNote = network.Label == "ResNet18"
                    ? "the shipped ResNet18 ONNX ends at its 512-d average pool (no classifier head), so it gives no class probabilities; pass a classifier ONNX with --features"
                    : $"'{network.Label}' has no classifier output";
            else
            {
                using var logits = cat(candidateLogits, 0);
                (isMean, isStd) = Metrics.InceptionScore.FromLogits(logits);
            }

            return new FolderMetrics(
                Pairs: pairs.Count,
                DataRange: 2.0,
                Psnr: scores.Average(s => s.Psnr),
                Ssim: scores.Average(s => s.Ssim),
                Features: network.Label,
                FdLabel: fdLabel,
                Fd: fd,
                FdNote: fdNote,
                IsLabel: network.InceptionScoreLabel,
                InceptionScore: isMean,
                InceptionScoreStd: isStd,
                IsNote: isNote,
                PerImage: scores);
        }
        finally
        {
            foreach (var t in referenceFeatures.Concat(candidateFeatures).Concat(candidateLogits)) t.Dispose();
        }
    }

    /// <summary>Runs <paramref name="f"/> on runs of consecutive images of equal size, batched.</summary>
    static IEnumerable<Tensor> FeaturesBySize(List<Tensor> images, Func<Tensor, Tensor> f)
    {
        int start = 0;
        while (start < images.Count)
        {
            int end = start + 1;
            while (end < images.Count && images[end].shape.SequenceEqual(images[start].shape)) end++;
            using var batch = cat(images.GetRange(start, end - start), 0);
            yield return f(batch).to(ScalarType.Float32).cpu();
            start = end;
        }
    }
}
