using TorchSharp;
using ViTok.Models.Clips;
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
/// note saying why. With <see cref="FolderMetricsOptions.Paired"/> off the folders are two independent sets: there
/// are no pairs and PSNR and SSIM are NaN. With a classifier, <see cref="Classifier"/> holds its scores.
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
    IReadOnlyList<ImagePairScore> PerImage)
{
    /// <summary>Whether the images were paired by name (PSNR and SSIM computed).</summary>
    public bool Paired { get; init; } = true;

    /// <summary>Images read from the reference folder.</summary>
    public int ReferenceImages { get; init; }

    /// <summary>Images read from the candidate folder.</summary>
    public int CandidateImages { get; init; }

    /// <summary>IS, FD and class accuracy with <see cref="FolderMetricsOptions.Classifier"/>; null without one.</summary>
    public GeneratedImageScores? Classifier { get; init; }

    /// <summary>Why <see cref="GeneratedImageScores.ClassAccuracy"/> is missing, when a classifier was given.</summary>
    public string? ClassAccuracyNote { get; init; }

    /// <summary>Unreadable files left out (with <see cref="FolderMetricsOptions.SkipBadFiles"/>; a pair goes with either file), in the order met.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>How <see cref="ImageFolderMetrics.Compute(string, string, FeatureNetwork, FolderMetricsOptions)"/> reads and scores two folders.</summary>
public sealed record FolderMetricsOptions
{
    /// <summary>Images per forward pass (default 16).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// Also read the images in each folder's immediate sub-folders (one folder per class), named by relative path
    /// ("Coat/0001.png"), which is then what pairs them. Default false: only the images directly in the folders.
    /// </summary>
    public bool Subfolders { get; init; }

    /// <summary>
    /// Pair the images by name and compute PSNR and SSIM (default). False: the folders are two independent sets (e.g.
    /// generated and real images), of any sizes and counts; only the set metrics (FD, IS, class accuracy) are computed.
    /// </summary>
    public bool Paired { get; init; } = true;

    /// <summary>
    /// A classifier for IS-{classifier} over the candidates, FD-{classifier} between the sets and, when every candidate
    /// lies in a sub-folder naming a class (<see cref="ClassFolders"/>), the class accuracy. Null (default): none.
    /// </summary>
    public ImageClassifier? Classifier { get; init; }

    /// <summary>
    /// Leave out unreadable image files (and, when paired, their partners), listing them in <see cref="FolderMetrics.Skipped"/>.
    /// Default false: the first unreadable file stops the computation with an <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public bool SkipBadFiles { get; init; }
}

/// <summary>Computes <see cref="FolderMetrics"/> over two folders whose image files pair up by name.</summary>
public static class ImageFolderMetrics
{
    /// <summary>Pairs the image files of two folders by name; any file without a partner is an error naming it.</summary>
    public static IReadOnlyList<(string Name, string Reference, string Candidate)> Pair(string referenceDir, string candidateDir) =>
        Pair(referenceDir, candidateDir, subfolders: false);

    /// <summary>
    /// Pairs the image files of two folders by name, or with <paramref name="subfolders"/> by path relative to the folder
    /// including the immediate sub-folders ("Coat/0001.png"); any file without a partner is an error naming it.
    /// </summary>
    public static IReadOnlyList<(string Name, string Reference, string Candidate)> Pair(string referenceDir, string candidateDir, bool subfolders) =>
        Pair(referenceDir, candidateDir, subfolders, undecodable: null);

    /// <param name="undecodable">Null: a file name that is not valid UTF-8 is an error; else such files are left out and listed here.</param>
    static IReadOnlyList<(string Name, string Reference, string Candidate)> Pair(string referenceDir, string candidateDir, bool subfolders, List<string>? undecodable)
    {
        var reference = List(referenceDir, subfolders, undecodable).ToDictionary(f => f.Name, f => f.Path, StringComparer.Ordinal);
        var candidate = List(candidateDir, subfolders, undecodable).ToDictionary(f => f.Name, f => f.Path, StringComparer.Ordinal);
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

    static IReadOnlyList<(string Name, string Path)> List(string directory, bool subfolders, List<string>? undecodable) =>
        subfolders ? ImageFiles.ListWithSubfolders(directory, undecodable) : ImageFiles.List(directory, undecodable).Select(p => (Path.GetFileName(p), p)).ToList();

    static string Names(List<string> names) =>
        names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(8)) + $" and {names.Count - 8} more";

    public static FolderMetrics Compute(string referenceDir, string candidateDir, FeatureNetwork network, int batchSize = 16) =>
        Compute(referenceDir, candidateDir, network, new FolderMetricsOptions { BatchSize = batchSize });

    public static FolderMetrics Compute(string referenceDir, string candidateDir, FeatureNetwork network, FolderMetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "Batch size must be positive.");
        var classifier = options.Classifier;
        bool classifierTraining = classifier?.training ?? false;
        classifier?.eval();
        using var features = new Features(network, classifier);
        try
        {
            var scores = new List<ImagePairScore>();
            var candidateNames = new List<string>();
            var skipped = new List<string>();
            var (referenceCount, candidateCount) = options.Paired
                ? ReadPairs(referenceDir, candidateDir, options, features, scores, candidateNames, skipped)
                : ReadSets(referenceDir, candidateDir, options, features, candidateNames, skipped);
            var (fdLabel, fd, fdNote) = features.Frechet(referenceCount, candidateCount);
            var (isMean, isStd, isNote) = features.InceptionScore();
            GeneratedImageScores? classifierScores = null;
            string? classNote = null;
            if (classifier is not null)
            {
                (var requested, classNote) = RequestedLabels(candidateNames, classifier.Config.ClassNames, candidateDir);
                classifierScores = features.ClassifierScores(requested, referenceCount);
            }
            return new FolderMetrics(
                Pairs: scores.Count,
                DataRange: 2.0,
                Psnr: options.Paired ? scores.Average(s => s.Psnr) : double.NaN,
                Ssim: options.Paired ? scores.Average(s => s.Ssim) : double.NaN,
                Features: network.Label,
                FdLabel: fdLabel,
                Fd: fd,
                FdNote: fdNote,
                IsLabel: network.InceptionScoreLabel,
                InceptionScore: isMean,
                InceptionScoreStd: isStd,
                IsNote: isNote,
                PerImage: scores)
            {
                Paired = options.Paired,
                ReferenceImages = referenceCount,
                CandidateImages = candidateCount,
                Classifier = classifierScores,
                ClassAccuracyNote = classNote,
                Skipped = skipped,
            };
        }
        finally { classifier?.train(classifierTraining); }
    }

    /// <summary>An image, or null when it is unreadable and <paramref name="options"/> skip such files (then it is listed in <paramref name="skipped"/>).</summary>
    static Tensor? Load(string path, FolderMetricsOptions options, List<string> skipped)
    {
        try { return ImageFiles.Load(path); }
        catch (InvalidDataException e) when (options.SkipBadFiles && e.InnerException is BadItemException bad)
        {
            skipped.Add(bad.Origin);
            return null;
        }
    }

    /// <summary>Paired mode: images of the same name, scored by PSNR and SSIM and fed to the networks; the count of pairs read, twice.</summary>
    static (int References, int Candidates) ReadPairs(string referenceDir, string candidateDir, FolderMetricsOptions options, Features features,
        List<ImagePairScore> scores, List<string> candidateNames, List<string> skipped)
    {
        var pairs = Pair(referenceDir, candidateDir, options.Subfolders, options.SkipBadFiles ? skipped : null);
        foreach (var chunk in pairs.Chunk(options.BatchSize))
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var refs = new List<Tensor>();
            var cands = new List<Tensor>();
            foreach (var (name, refPath, candPath) in chunk)
            {
                var r = Load(refPath, options, skipped);
                var c = Load(candPath, options, skipped);
                if (r is null || c is null) continue;
                if (!r.shape.SequenceEqual(c.shape))
                    throw new InvalidDataException($"Image '{name}' differs in size: '{refPath}' is {r.shape[2]}x{r.shape[1]}, '{candPath}' is {c.shape[2]}x{c.shape[1]}.");
                if (r.shape[1] < Ssim.WindowSize || r.shape[2] < Ssim.WindowSize)
                    throw new InvalidDataException($"Image '{name}' is {r.shape[2]}x{r.shape[1]}; SSIM needs at least {Ssim.WindowSize}x{Ssim.WindowSize} pixels.");
                var rb = r.unsqueeze(0);
                var cb = c.unsqueeze(0);
                scores.Add(new ImagePairScore(name, Metrics.Psnr.PerItem(rb, cb)[0], Metrics.Ssim.PerItem(rb, cb)[0]));
                refs.Add(rb.to(features.Device));
                cands.Add(cb.to(features.Device));
                candidateNames.Add(name);
            }
            features.AddReferences(refs);
            features.AddCandidates(cands);
        }
        if (scores.Count == 0) throw new InvalidDataException($"None of the {pairs.Count} image pairs could be read (the first unreadable file: {skipped[0]}).");
        return (scores.Count, scores.Count);
    }

    /// <summary>Unpaired mode: every image of each folder fed to the networks; how many of each were read.</summary>
    static (int References, int Candidates) ReadSets(string referenceDir, string candidateDir, FolderMetricsOptions options, Features features,
        List<string> candidateNames, List<string> skipped)
    {
        var references = List(referenceDir, options.Subfolders, options.SkipBadFiles ? skipped : null);
        var candidates = List(candidateDir, options.Subfolders, options.SkipBadFiles ? skipped : null);
        if (references.Count == 0) throw new InvalidDataException($"Reference folder '{referenceDir}' holds no images ({string.Join(", ", ImageFiles.Extensions.Order())}).");
        if (candidates.Count == 0) throw new InvalidDataException($"Candidate folder '{candidateDir}' holds no images ({string.Join(", ", ImageFiles.Extensions.Order())}).");
        int Read(IReadOnlyList<(string Name, string Path)> files, string folder, bool candidate)
        {
            int count = 0;
            foreach (var chunk in files.Chunk(options.BatchSize))
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var images = new List<Tensor>();
                foreach (var (name, path) in chunk)
                {
                    if (Load(path, options, skipped) is not { } image) continue;
                    images.Add(image.unsqueeze(0).to(features.Device));
                    if (candidate) candidateNames.Add(name);
                }
                count += images.Count;
                if (candidate) features.AddCandidates(images);
                else features.AddReferences(images);
            }
            if (count == 0) throw new InvalidDataException($"None of the {files.Count} images of '{folder}' could be read (the first: {skipped[^1]}).");
            return count;
        }
        return (Read(references, referenceDir, candidate: false), Read(candidates, candidateDir, candidate: true));
    }

    /// <summary>
    /// The network outputs gathered over both folders (feature rows, logits, the classifier's features and logits),
    /// moved out of each chunk's dispose scope and freed together; and the scores computed from them.
    /// </summary>
    sealed class Features(FeatureNetwork network, ImageClassifier? classifier) : IDisposable
    {
        readonly List<Tensor> _reference = [], _candidate = [], _candidateLogits = [];
        readonly List<Tensor> _referenceClassifier = [], _candidateClassifier = [], _candidateClassifierLogits = [];

        public Device Device => network.Backbone.Device;

        /// <summary>Runs the networks on one chunk of reference images (inside the chunk's dispose scope).</summary>
        public void AddReferences(List<Tensor> images)
        {
            _reference.AddRange(FeaturesBySize(images, network.Features).Select(t => t.MoveToOuterDisposeScope()));
            if (classifier is not null) _referenceClassifier.AddRange(FeaturesBySize(images, classifier.Features).Select(t => t.MoveToOuterDisposeScope()));
        }

        /// <summary>Runs the networks on one chunk of candidate images (inside the chunk's dispose scope).</summary>
        public void AddCandidates(List<Tensor> images)
        {
            _candidate.AddRange(FeaturesBySize(images, network.Features).Select(t => t.MoveToOuterDisposeScope()));
            if (network.HasLogits) _candidateLogits.AddRange(FeaturesBySize(images, network.Logits).Select(t => t.MoveToOuterDisposeScope()));
            if (classifier is null) return;
            foreach (var both in FeaturesBySize(images, x => { var (f, l) = classifier.FeaturesAndLogits(x); return cat([f, l], 1); }))
            {
                long d = classifier.Config.FeatureSize;
                _candidateClassifier.Add(both.narrow(1, 0, d).contiguous().MoveToOuterDisposeScope());
                _candidateClassifierLogits.Add(both.narrow(1, d, both.shape[1] - d).contiguous().MoveToOuterDisposeScope());
            }
        }

        public (string Label, double? Fd, string? Note) Frechet(int referenceCount, int candidateCount)
        {
            using var _ = no_grad();
            using var a = cat(_reference, 0);
            using var b = cat(_candidate, 0);
            string label = network.FrechetLabel(a.shape[1]);
            return referenceCount < 2 || candidateCount < 2
                ? (label, null, "a Frechet distance needs at least 2 images in each folder")
                : (label, FrechetDistance.Compute(a, b), null);
        }

        public (double? Mean, double? Std, string? Note) InceptionScore()
        {
            if (!network.HasLogits)
                return (null, null, network.Label == "ResNet18"
                    ? "the shipped ResNet18 ONNX ends at its 512-d average pool (no classifier head), so it gives no class probabilities; pass a classifier ONNX with --features"
                    : $"'{network.Label}' has no classifier output");
            using var logits = cat(_candidateLogits, 0);
            var (mean, std) = Metrics.InceptionScore.FromLogits(logits);
            return (mean, std, null);
        }

        public GeneratedImageScores ClassifierScores(IReadOnlyList<int>? requested, int referenceCount)
        {
            using var outputs = new ClassifierOutputs(cat(_candidateClassifier, 0), cat(_candidateClassifierLogits, 0));
            using var referenceStatistics = referenceCount < 2 ? null : FeatureStatisticsOf(_referenceClassifier);
            var scores = GeneratedImageMetrics.Compute(outputs, classifier!, requested, referenceStatistics);
            return referenceStatistics is null ? scores with { FdNote = "a Frechet distance needs at least 2 images in each folder" } : scores;
        }

        public void Dispose()
        {
            foreach (var t in _reference.Concat(_candidate).Concat(_candidateLogits)
                         .Concat(_referenceClassifier).Concat(_candidateClassifier).Concat(_candidateClassifierLogits))
                t.Dispose();
        }
    }

    static FeatureStatistics FeatureStatisticsOf(List<Tensor> rows)
    {
        using var all = cat(rows, 0);
        return FeatureStatistics.Of(all);
    }

    /// <summary>
    /// The class each candidate should show, from the sub-folder holding it; null with a note unless every candidate lies
    /// in a sub-folder that names a class.
    /// </summary>
    static (IReadOnlyList<int>? Labels, string? Note) RequestedLabels(List<string> names, IReadOnlyList<string> classNames, string candidateDir)
    {
        var folders = names.Select(n => n.Contains('/') ? n[..n.IndexOf('/')] : null).ToList();
        if (folders.All(f => f is null)) return (null, $"the candidate folder '{candidateDir}' has no class sub-folders (one per class, named by class name or index)");
        int loose = folders.Count(f => f is null);
        if (loose > 0) return (null, $"{loose} candidate image(s) lie directly in '{candidateDir}', outside the class sub-folders (e.g. '{names[folders.IndexOf(null)]}')");
        var unknown = folders.Distinct(StringComparer.Ordinal).Where(f => ClassFolders.Resolve(f!, classNames) is null).ToList();
        if (unknown.Count > 0)
            return (null, $"sub-folder(s) {string.Join(", ", unknown.Select(f => $"'{f}'"))} of '{candidateDir}' name no class of the classifier " +
                          $"(use a class index 0..{classNames.Count - 1} or a name: {string.Join(", ", classNames)})");
        return (folders.Select(f => ClassFolders.Resolve(f!, classNames)!.Value).ToList(), null);
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
