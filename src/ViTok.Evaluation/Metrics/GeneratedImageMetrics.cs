using TorchSharp;
using ViTok.Models.Clips;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// Measures generated images with an <see cref="ImageClassifier"/>, in memory:
/// <list type="bullet">
/// <item>IS-{classifier}: the Inception Score of the classifier's predictions (<see cref="Metrics.InceptionScore.FromLogits"/>),
/// mean and standard deviation over <see cref="DefaultSplits"/> splits (the usual convention; fewer when there are
/// fewer images). The splits are taken from a fixed permutation of the images (seed 0), so that images ordered by
/// class (class folders, class-conditional sampling) do not make splits of one class;</item>
/// <item>class accuracy: the fraction classified as the label that was asked for, overall and per class;</item>
/// <item>FD-{classifier}: the Frechet distance between the images' classifier features and reference statistics.
/// Compute the reference statistics once with <see cref="ReferenceStatistics(ImageClassifier, Tensor, int)"/> and
/// reuse them for every candidate set.</item>
/// </list>
/// The classifier runs in eval mode under <c>no_grad</c>, in batches, one dispose scope per batch.
/// </summary>
public static class GeneratedImageMetrics
{
    /// <summary>Splits of the Inception Score (Salimans et al. 2016 use 10).</summary>
    public const int DefaultSplits = 10;

    /// <summary>Mean and covariance of the classifier features of reference images [N, 3, H, W] in [-1, 1] (N at least 2).</summary>
    public static FeatureStatistics ReferenceStatistics(ImageClassifier classifier, Tensor images, int batchSize = 256)
    {
        using var outputs = ClassifierOutputs.Of(classifier, images, batchSize);
        return FeatureStatistics.Of(outputs.Features);
    }

    /// <summary>
    /// Reference statistics of the first <paramref name="count"/> items of a source (all by default; images, T = 1),
    /// e.g. the Fashion-MNIST test split.
    /// </summary>
    public static FeatureStatistics ReferenceStatistics(ImageClassifier classifier, IClipSource source, int? count = null, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(source);
        int n = Math.Min(count ?? source.Count, source.Count);
        if (n < 2) throw new ArgumentException($"{source.Description}: reference statistics need at least 2 images; got {n}.", nameof(count));
        using var outputs = ClassifierOutputs.Collect(classifier, SourceBatches(source, n, batchSize));
        return FeatureStatistics.Of(outputs.Features);
    }

    /// <summary>
    /// Scores images [N, 3, H, W] in [-1, 1].
    /// </summary>
    /// <param name="requestedLabels">The class each image was generated for (one per image), or null to skip class accuracy.</param>
    /// <param name="reference">Reference feature statistics (from <see cref="ReferenceStatistics(ImageClassifier, Tensor, int)"/>), or null to skip FD.</param>
    /// <param name="splits">Inception Score splits (of a fixed permutation of the images); capped at the number of images.</param>
    public static GeneratedImageScores Compute(ImageClassifier classifier, Tensor images, IReadOnlyList<int>? requestedLabels,
        FeatureStatistics? reference = null, int splits = DefaultSplits, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if (requestedLabels is not null && images.dim() >= 1 && requestedLabels.Count != images.shape[0])
            throw new ArgumentException($"{requestedLabels.Count} requested label(s) for {images.shape[0]} image(s); give one label per image.", nameof(requestedLabels));
        using var outputs = ClassifierOutputs.Of(classifier, images, batchSize);
        return Compute(outputs, classifier, requestedLabels, reference, splits);
    }

    /// <summary>Scores outputs already gathered (e.g. from image files, batch by batch).</summary>
    public static GeneratedImageScores Compute(ClassifierOutputs outputs, ImageClassifier classifier, IReadOnlyList<int>? requestedLabels,
        FeatureStatistics? reference = null, int splits = DefaultSplits)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(classifier);
        if (splits < 1) throw new ArgumentOutOfRangeException(nameof(splits), splits, "Splits must be positive.");
        int n = outputs.Count;
        int used = Math.Min(splits, n);
        double isMean, isStd;
        using (var order = tensor(DeterministicRandom.Permutation(n, 0).Select(i => (long)i).ToArray()))
        using (var shuffled = outputs.Logits.index_select(0, order))
            (isMean, isStd) = Metrics.InceptionScore.FromLogits(shuffled, used);

        ClassAccuracy? accuracy = requestedLabels is null ? null : ClassAccuracy.Of(outputs.Predicted(), requestedLabels, classifier.Config.ClassNames);

        double? fd = null;
        string? fdNote = null;
        if (reference is null) fdNote = "no reference statistics were given";
        else if (n < 2) fdNote = "a Frechet distance needs at least 2 images";
        else if (reference.Mean.shape[0] != outputs.Features.shape[1])
            throw new ArgumentException($"The reference statistics have {reference.Mean.shape[0]} features; classifier '{classifier.Label}' gives {outputs.Features.shape[1]}.", nameof(reference));
        else
        {
            using var stats = FeatureStatistics.Of(outputs.Features);
            fd = FrechetDistance.Compute(reference, stats);
        }
        return new GeneratedImageScores(n, classifier.Label, $"IS-{classifier.Label}", isMean, isStd, used, $"FD-{classifier.Label}", fd, fdNote, accuracy);
    }

    /// <summary>The first <paramref name="count"/> items of a source as image batches [b, 3, H, W] (read in order, no augmentation randomness).</summary>
    internal static IEnumerable<Tensor> SourceBatches(IClipSource source, int count, int batchSize, List<int>? labels = null)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        for (int start = 0; start < count; start += batchSize)
        {
            var clips = Enumerable.Range(start, Math.Min(batchSize, count - start)).Select(i => source.Read(i, DeterministicRandom.ForItem(0, 0, i))).ToList();
            if (clips[0].Frames != 1) throw new ArgumentException($"{source.Description} gives clips of {clips[0].Frames} frames; the classifier takes images (1 frame).");
            labels?.AddRange(clips.Select(c => c.Label));
            using var stacked = ClipTensors.Stack(clips);
            yield return stacked.squeeze(2);
        }
    }
}
