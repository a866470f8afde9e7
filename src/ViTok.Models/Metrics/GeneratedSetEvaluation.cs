using TorchSharp;
using ViTok.Models.Data;
using ViTok.Models.Onnx;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// Measures sets of generated images against one reference set: FD-ResNet18 (pooled features of the shipped ResNet18,
/// images resized to <see cref="FeatureSize"/>) and, with a classifier, its Inception Score, FD in its feature space
/// and the share of images it labels with the class they were generated for. Reference statistics are computed once,
/// at construction, and reused for every set. The evaluation owns the network and the classifier it is given.
/// </summary>
public sealed class GeneratedSetEvaluation : IDisposable
{
    readonly FeatureNetwork? _network;
    readonly ImageClassifier? _classifier;
    readonly FeatureStatistics? _networkReference;
    readonly FeatureStatistics? _classifierReference;
    readonly int _batchSize;

    /// <summary>Side of the square the images are resized to before the feature network (224 is the network's own size).</summary>
    public int FeatureSize { get; }
    public int ReferenceCount { get; }
    public string ReferenceDescription { get; }

    public GeneratedSetEvaluation(IClipSource reference, FeatureNetwork? network, ImageClassifier? classifier, int featureSize = 224, int batchSize = 128, int? count = null)
    {
        if (network is null && classifier is null) throw new ArgumentException("Give a feature network, a classifier or both.");
        if (featureSize < 32) throw new ArgumentOutOfRangeException(nameof(featureSize), featureSize, "The feature size must be at least 32 pixels.");
        _network = network;
        _classifier = classifier;
        _batchSize = batchSize;
        FeatureSize = featureSize;
        ReferenceCount = Math.Min(count ?? reference.Count, reference.Count);
        ReferenceDescription = reference.Description;
        if (network is not null)
        {
            using var scope = NewDisposeScope();
            var features = GeneratedImageMetrics.SourceBatches(reference, ReferenceCount, batchSize).Select(batch =>
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

    /// <summary>Pooled ResNet18 features [B, 512] of images [B, 3, H, W] in [-1, 1], resized to <see cref="FeatureSize"/>.</summary>
    Tensor NetworkFeatures(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = images.to(ScalarType.Float32);
        if (x.shape[2] != FeatureSize || x.shape[3] != FeatureSize)
            x = nn.functional.interpolate(x, [FeatureSize, FeatureSize], mode: InterpolationMode.Bilinear, align_corners: false);
        var values = _network!.Run(x, resize: false, _network.FeatureValue);
        return values[_network.FeatureValue].flatten(1).to(ScalarType.Float32).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores images [N, 3, H, W] in [-1, 1] generated for <paramref name="requested"/> classes. Keys: fd_resnet18,
    /// and with a classifier is, is_std, fd_classifier, class_accuracy.
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor images, IReadOnlyList<int> requested)
    {
        var result = new Dictionary<string, double>();
        if (_network is not null)
        {
            using var scope = NewDisposeScope();
            var features = new List<Tensor>();
            for (long i = 0; i < images.shape[0]; i += _batchSize) features.Add(NetworkFeatures(images.narrow(0, i, Math.Min(_batchSize, images.shape[0] - i))));
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

    public void Dispose()
    {
        _networkReference?.Dispose();
        _classifierReference?.Dispose();
        _network?.Dispose();
        _classifier?.Dispose();
    }
}
