using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Onnx;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// Measures sets of generated clips against the reference clips of a source: the FVD-proxy
/// (<see cref="VideoMetrics.ClipFeatures"/>: ResNet18 features of every frame, their mean and mean frame-to-frame change)
/// and, with an image classifier of the clips' class, the share of clips it labels with the class they were generated
/// for. A clip's predicted class is the arg-max of its frames' class probabilities averaged over the frames (every
/// frame counts; a single frame a generator got wrong does not decide). Reference statistics are computed once, at
/// construction. The evaluation owns the network and the classifier it is given.
/// </summary>
public sealed class GeneratedClipEvaluation : IGeneratedEvaluation
{
    readonly FeatureNetwork? _network;
    readonly ImageClassifier? _classifier;
    readonly FeatureStatistics? _reference;
    readonly int _batchSize;

    /// <summary>Reference clips the FVD-proxy statistics were computed from.</summary>
    public int ReferenceCount { get; }
    /// <summary>The classifier's class names (empty without a classifier).</summary>
    public IReadOnlyList<string> ClassifierClasses => _classifier?.Config.ClassNames ?? [];
    public string ReferenceDescription { get; }

    /// <param name="count">Reference clips for the FVD-proxy (the first ones of the source; all by default, at least 2).</param>
    /// <param name="batchSize">Clips per pass of the feature network.</param>
    public GeneratedClipEvaluation(IClipSource reference, FeatureNetwork? network, ImageClassifier? classifier, int batchSize = 8, int? count = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (network is null && classifier is null) throw new ArgumentException("Give a feature network, a classifier or both.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        _network = network;
        _classifier = classifier;
        _batchSize = batchSize;
        ReferenceDescription = reference.Description;
        ReferenceCount = Math.Min(count ?? reference.Count, reference.Count);
        if (network is null) return;
        if (ReferenceCount < 2) throw new ArgumentOutOfRangeException(nameof(count), count, $"{reference.Description}: the FVD-proxy needs at least 2 reference clips; got {ReferenceCount}.");
        using var scope = NewDisposeScope();
        var features = new List<Tensor>();
        for (int start = 0; start < ReferenceCount; start += batchSize)
        {
            var clips = Enumerable.Range(start, Math.Min(batchSize, ReferenceCount - start)).Select(i => reference.Read(i, DeterministicRandom.ForItem(0, 0, i))).ToList();
            using var stacked = ClipTensors.Stack(clips);
            features.Add(VideoMetrics.ClipFeatures(network, stacked).cpu());
        }
        _reference = FeatureStatistics.Of(cat(features, 0));
        _reference.Mean.MoveToOuterDisposeScope();
        _reference.Covariance.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores clips [N, 3, T, H, W] in [-1, 1] generated for <paramref name="requested"/> classes (class indices of the
    /// classifier, one per clip; null skips class accuracy). Keys: fvd_proxy (with a network, N at least 2) and
    /// class_accuracy (with a classifier and <paramref name="requested"/>).
    /// </summary>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor clips, IReadOnlyList<int>? requested)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.dim() != 5 || clips.shape[1] != 3) throw new ArgumentException($"Clips must be [N, 3, T, H, W]; got [{string.Join(", ", clips.shape)}].", nameof(clips));
        var result = new Dictionary<string, double>();
        if (_network is not null)
        {
            if (clips.shape[0] < 2) throw new ArgumentException($"The FVD-proxy needs at least 2 generated clips; got {clips.shape[0]}.", nameof(clips));
            using var scope = NewDisposeScope();
            var features = new List<Tensor>();
            for (long i = 0; i < clips.shape[0]; i += _batchSize)
                features.Add(VideoMetrics.ClipFeatures(_network, clips.narrow(0, i, Math.Min(_batchSize, clips.shape[0] - i))).cpu());
            using var stats = FeatureStatistics.Of(cat(features, 0));
            result["fvd_proxy"] = FrechetDistance.Compute(_reference!, stats);
        }
        if (_classifier is not null && requested is not null)
        {
            if (requested.Count != clips.shape[0]) throw new ArgumentException($"{requested.Count} requested label(s) for {clips.shape[0]} clip(s); give one label per clip.", nameof(requested));
            result["class_accuracy"] = ClassAccuracy.Of(Predicted(clips), requested, _classifier.Config.ClassNames).Accuracy;
        }
        return result;
    }

    /// <summary>Each clip's class (<see cref="ClassifierOutputs.PredictedPerClip"/>).</summary>
    int[] Predicted(Tensor clips)
    {
        using var outputs = ClassifierOutputs.Of(_classifier!, VideoMetrics.Frames(clips), _batchSize * (int)clips.shape[2]);
        return outputs.PredictedPerClip((int)clips.shape[2]);
    }

    public void Dispose()
    {
        _reference?.Dispose();
        _network?.Dispose();
        _classifier?.Dispose();
    }
}
