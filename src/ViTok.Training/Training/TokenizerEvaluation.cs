using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// Reconstruction quality of a tokenizer on a fixed set of held-out clips: PSNR and SSIM (per frame, data range 2
/// for [-1, 1] pixels) and, with a feature network, the Frechet distance between the features of the originals and
/// of the reconstructions (FD-ResNet18 with the shipped network) and, with an image classifier, the same distance in
/// the classifier's features (FD-clf, meaningful at small sizes such as Fashion-MNIST); for clips of more than one
/// frame, also the FVD-proxy between originals and reconstructions (<see cref="VideoMetrics"/>, from the same per-frame
/// features). The posterior mean is decoded.
/// </summary>
public sealed class TokenizerEvaluation : IDisposable
{
    readonly Tensor _clips;            // [N, 3, T, H, W]
    readonly FeatureNetwork? _features;
    readonly ImageClassifier? _classifier;
    readonly int[]? _labels;                 // each clip's class, when the classifier's classes are the source's
    double? _originalsAccuracy;
    readonly int _batch;
    FeatureStatistics? _reference, _classifierReference, _clipReference;

    public int Count => (int)_clips.shape[0];

    /// <summary>Origins of the unreadable items passed over (with <c>skipBadItems</c>), in the order met.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>
    /// Reads min(<paramref name="count"/>, source size) items of a seeded permutation of <paramref name="source"/>.
    /// An unreadable item (<see cref="BadItemException"/>) stops here, naming its file, unless <paramref name="skipBadItems"/>:
    /// then the next item of the permutation is read in its place and its origin is listed in <see cref="Skipped"/>.
    /// </summary>
    /// <param name="count">Items to evaluate; at least 1.</param>
    /// <param name="classifier">
    /// An image classifier whose features give FD-clf (key fd_clf), or null. When its class names are the source's, in
    /// the same order, it also gives class_accuracy: the share of reconstructions it labels with their item's class (a
    /// clip's class from all its frames, <see cref="ClassifierOutputs.PredictedPerClip"/>), and class_accuracy_originals,
    /// the same for the original items (what the reconstructions' figure is to be read against).
    /// </param>
    public TokenizerEvaluation(IClipSource source, int count, FeatureNetwork? features, int batchSize = 64, int seed = 0, ImageClassifier? classifier = null,
        bool skipBadItems = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "The evaluation needs at least 1 item.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The evaluation batch must be at least 1.");
        if (source.Count == 0) throw new ArgumentException($"{source.Description} has no items to evaluate on.", nameof(source));
        int n = Math.Min(count, source.Count);
        var order = DeterministicRandom.Permutation(source.Count, seed);
        var clips = new List<Clip>(n);
        var skipped = new List<string>();
        for (int i = 0; i < order.Length && clips.Count < n; i++)
        {
            try { clips.Add(source.Read(order[i], DeterministicRandom.ForItem(seed, 0, order[i]))); }
            catch (BadItemException e) when (skipBadItems) { skipped.Add(e.Origin); }
        }
        if (clips.Count == 0)
            throw new InvalidDataException($"None of the {source.Count} items of {source.Description} could be read (the first: {skipped[0]}).");
        Skipped = skipped;
        _clips = ClipTensors.Stack(clips).DetachFromDisposeScope();
        _features = features;
        _classifier = classifier;
        _batch = batchSize;
        if (classifier is not null && source.ClassNames.Count > 0 && source.ClassNames.SequenceEqual(classifier.Config.ClassNames)
            && clips.All(c => c.Label >= 0))
            _labels = [.. clips.Select(c => c.Label)];
    }

    /// <summary>Metrics of <paramref name="model"/>: psnr, ssim, (with features) fd and, for clips, fvd_proxy, and (with a
    /// classifier) fd_clf and, when its classes are the source's, class_accuracy and class_accuracy_originals.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(ViTokAutoEncoder model)
    {
        using var _ = no_grad();
        model.eval();
        var psnr = new List<double>();
        var ssim = new List<double>();
        var featureRows = new List<Tensor>();
        var referenceRows = new List<Tensor>();
        var classifierRows = new List<Tensor>();
        var classifierReferenceRows = new List<Tensor>();
        var clipRows = new List<Tensor>();
        var clipReferenceRows = new List<Tensor>();
        var predicted = new List<int>();
        var originalsPredicted = new List<int>();
        long frames = _clips.shape[2];
        var device = model.parameters().First().device;
        try
        {
            for (int i = 0; i < Count; i += _batch)
            {
                using var scope = NewDisposeScope();
                var x = _clips[i..Math.Min(Count, i + _batch)].to(device);
                using var posterior = model.Encode(x);
                var r = PixelRange.Clamp(model.Decode(posterior.Mean)).to(ScalarType.Float32);
                var xf = Frames(x);
                var rf = Frames(r);
                psnr.AddRange(Psnr.PerItem(xf, rf));
                ssim.AddRange(Ssim.PerItem(xf, rf));
                if (_features is not null)
                {
                    var rFeatures = _features.Features(rf).cpu().to(ScalarType.Float64);
                    featureRows.Add(rFeatures.DetachFromDisposeScope());
                    if (frames > 1) clipRows.Add(VideoMetrics.Descriptors(rFeatures.reshape(x.shape[0], frames, -1)).DetachFromDisposeScope());
                    if (_reference is null)
                    {
                        var xFeatures = _features.Features(xf).cpu().to(ScalarType.Float64);
                        referenceRows.Add(xFeatures.DetachFromDisposeScope());
                        if (frames > 1) clipReferenceRows.Add(VideoMetrics.Descriptors(xFeatures.reshape(x.shape[0], frames, -1)).DetachFromDisposeScope());
                    }
                }
                if (_classifier is not null)
                {
                    classifierRows.Add(Classify(rf, (int)frames, predicted));
                    if (_classifierReference is null) classifierReferenceRows.Add(Classify(xf, (int)frames, originalsPredicted));
                }
            }
            var result = new Dictionary<string, double> { ["psnr"] = psnr.Average(), ["ssim"] = ssim.Average() };
            if (_features is not null)
            {
                if (_reference is null)
                    using (var all = cat(referenceRows, 0)) _reference = FeatureStatistics.Of(all);
                using var candidate = cat(featureRows, 0);
                using var stats = FeatureStatistics.Of(candidate);
                result["fd"] = FrechetDistance.Compute(_reference, stats);
                if (frames > 1 && Count >= 2)
                {
                    if (_clipReference is null)
                        using (var all = cat(clipReferenceRows, 0)) _clipReference = FeatureStatistics.Of(all);
                    using var clipCandidate = cat(clipRows, 0);
                    using var clipStats = FeatureStatistics.Of(clipCandidate);
                    result["fvd_proxy"] = FrechetDistance.Compute(_clipReference, clipStats);
                }
            }
            if (_classifier is not null)
            {
                if (_classifierReference is null)
                    using (var all = cat(classifierReferenceRows, 0)) _classifierReference = FeatureStatistics.Of(all);
                using var candidate = cat(classifierRows, 0);
                using var stats = FeatureStatistics.Of(candidate);
                result["fd_clf"] = FrechetDistance.Compute(_classifierReference, stats);
                if (_labels is not null)
                {
                    if (originalsPredicted.Count > 0) _originalsAccuracy = Accuracy(originalsPredicted);
                    result["class_accuracy"] = Accuracy(predicted);
                    result["class_accuracy_originals"] = _originalsAccuracy!.Value;
                }
            }
            return result;
        }
        finally
        {
            foreach (var t in featureRows.Concat(referenceRows).Concat(classifierRows).Concat(classifierReferenceRows).Concat(clipRows).Concat(clipReferenceRows)) t.Dispose();
        }
    }

    /// <summary>The classifier's features of <paramref name="images"/>; with labels, each clip's predicted class is added to <paramref name="predicted"/>.</summary>
    Tensor Classify(Tensor images, int frames, List<int> predicted)
    {
        using var outputs = ClassifierOutputs.Of(_classifier!, images);
        if (_labels is not null) predicted.AddRange(outputs.PredictedPerClip(frames));
        return outputs.Features.to(ScalarType.Float64).DetachFromDisposeScope();
    }

    double Accuracy(List<int> predicted) => predicted.Select((p, i) => p == _labels![i] ? 1.0 : 0.0).Average();

    /// <summary>The first <paramref name="count"/> evaluation clips and their reconstructions (posterior mean), on the CPU.</summary>
    public (Tensor Originals, Tensor Reconstructions) Reconstruct(ViTokAutoEncoder model, int count)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        model.eval();
        var device = model.parameters().First().device;
        var x = _clips[..Math.Min(count, Count)];
        using var posterior = model.Encode(x.to(device));
        var r = PixelRange.Clamp(model.Decode(posterior.Mean)).to(ScalarType.Float32).cpu();
        return (x.clone().MoveToOuterDisposeScope(), r.MoveToOuterDisposeScope());
    }

    static Tensor Frames(Tensor clip) => clip.dim() == 5 ? clip.transpose(1, 2).flatten(0, 1) : clip;

    public void Dispose()
    {
        _clips.Dispose();
        _reference?.Dispose();
        _classifierReference?.Dispose();
        _clipReference?.Dispose();
    }
}
