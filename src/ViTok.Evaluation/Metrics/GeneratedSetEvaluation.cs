using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Onnx;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// Measures sets of generated images against one reference set: FD-ResNet18 (pooled features of the shipped ResNet18,
/// images resized to its 224x224 input, which its fixed 7x7 average pool requires) and, with a classifier, its Inception Score, FD in its feature space
/// and the share of images it labels with the class they were generated for. Reference statistics are computed once,
/// at construction, and reused for every set. The evaluation owns the network and the classifier it is given.
/// </summary>
public sealed class GeneratedSetEvaluation : IGeneratedEvaluation
{
    readonly FeatureNetwork? _network;
    readonly ImageClassifier? _classifier;
    readonly FeatureStatistics? _networkReference;
    readonly FeatureStatistics? _classifierReference;
    readonly int _batchSize;

    public int ReferenceCount { get; }
    /// <summary>Images per side for FD-ResNet18.</summary>
    public int NetworkCount { get; }
    /// <summary>The classifier's class names (empty without a classifier).</summary>
    public IReadOnlyList<string> ClassifierClasses => _classifier?.Config.ClassNames ?? [];
    public string ReferenceDescription { get; }

    /// <param name="count">Reference items (all by default).</param>
    /// <param name="networkCount">Images of each side that the (slow) feature network sees: the first ones of the
    /// reference and an evenly spaced subset of each generated set; all by default.</param>
    public GeneratedSetEvaluation(IClipSource reference, FeatureNetwork? network, ImageClassifier? classifier, int batchSize = 128, int? count = null, int? networkCount = null)
    {
        if (network is null && classifier is null) throw new ArgumentException("Give a feature network, a classifier or both.");
        _network = network;
        _classifier = classifier;
        _batchSize = batchSize;
        ReferenceCount = Math.Min(count ?? reference.Count, reference.Count);
        NetworkCount = Math.Min(networkCount ?? ReferenceCount, ReferenceCount);
        if (NetworkCount < 2) throw new ArgumentOutOfRangeException(nameof(networkCount), networkCount, "The feature network needs at least 2 images of each side.");
        ReferenceDescription = reference.Description;
        if (network is not null)
        {
            using var scope = NewDisposeScope();
            var features = GeneratedImageMetrics.SourceBatches(reference, NetworkCount, batchSize).Select(batch =>
            {
                using var _ = batch;
                return NetworkFeatures(batch);
            }).ToArray();
            _networkReference = FeatureStatistics.Of(cat(features, 0));
            _networkReference.Mean.MoveToOuterDisposeScope();
            _networkReference.Covariance.MoveToOuterDisposeScope();
        }
        if (classifier is not null) _classifierReference = GeneratedImageMetrics.ReferenceStatistics(classifier, reference, ReferenceCount, batchSize);
    }

    /// <summary>Pooled ResNet18 features [B, 512] of images [B, 3, H, W] in [-1, 1] (resized to the network's input).</summary>
    Tensor NetworkFeatures(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return _network!.Features(images.to(ScalarType.Float32)).to(ScalarType.Float32).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores images [N, 3, H, W] in [-1, 1] generated for <paramref name="requested"/> classes. Keys: fd_resnet18,
    /// and with a classifier is, is_std, fd_classifier, and class_accuracy when <paramref name="requested"/> is given
    /// (class indices of the classifier).
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor images, IReadOnlyList<int>? requested)
    {
        var result = new Dictionary<string, double>();
        if (_network is not null)
        {
            using var scope = NewDisposeScope();
            long n = images.shape[0], m = Math.Min(NetworkCount, n);
            var subset = images.index_select(0, tensor(Enumerable.Range(0, (int)m).Select(i => i * n / m).ToArray()));   // evenly spaced: every class
            var features = new List<Tensor>();
            for (long i = 0; i < m; i += _batchSize) features.Add(NetworkFeatures(subset.narrow(0, i, Math.Min(_batchSize, m - i))));
            using var stats = FeatureStatistics.Of(cat(features, 0));
            result["fd_resnet18"] = FrechetDistance.Compute(stats, _networkReference!);
        }
        if (_classifier is not null)
        {
            var scores = GeneratedImageMetrics.Compute(_classifier, images, requested, _classifierReference, batchSize: _batchSize);
            result["is"] = scores.InceptionScore;
            result["is_std"] = scores.InceptionScoreStd;
            if (scores.Fd is double fd) result["fd_classifier"] = fd;
            if (scores.ClassAccuracy is { } accuracy) result["class_accuracy"] = accuracy.Accuracy;
        }
        return result;
    }

    /// <summary>Scores the first frame of each of <paramref name="samples"/> [N, 3, T, H, W] (images have T = 1) as <see cref="Evaluate(Tensor, IReadOnlyList{int})"/> does.</summary>
    IReadOnlyDictionary<string, double> IGeneratedEvaluation.Evaluate(Tensor samples, IReadOnlyList<int>? requested)
    {
        using var images = samples.select(2, 0);
        return Evaluate(images, requested);
    }

    public void Dispose()
    {
        _networkReference?.Dispose();
        _classifierReference?.Dispose();
        _network?.Dispose();
        _classifier?.Dispose();
    }
}
