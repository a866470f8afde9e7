using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// What an <see cref="ImageClassifier"/> says about a set of images: pooled features [N, D] and logits [N, classes],
/// float32 on the CPU. Gathered batch by batch under <c>no_grad</c>, one dispose scope per batch, so only the outputs
/// stay in memory.
/// </summary>
public sealed class ClassifierOutputs : IDisposable
{
    /// <summary>Takes ownership of the two tensors (detached from any dispose scope: <see cref="Dispose"/> frees them).</summary>
    internal ClassifierOutputs(Tensor features, Tensor logits)
    {
        Features = features.DetachFromDisposeScope();
        Logits = logits.DetachFromDisposeScope();
    }

    /// <summary>[N, D] pooled features.</summary>
    public Tensor Features { get; }

    /// <summary>[N, classes] logits.</summary>
    public Tensor Logits { get; }

    /// <summary>Number of images.</summary>
    public int Count => (int)Logits.shape[0];

    /// <summary>The most likely class of each image.</summary>
    public int[] Predicted()
    {
        using var argmax = Logits.argmax(1);
        return argmax.data<long>().Select(v => (int)v).ToArray();
    }

    /// <summary>
    /// The class of each clip when the images are the frames of clips, <paramref name="frames"/> consecutive rows a clip
    /// (clip-major, as VideoMetrics.Frames lays them out): the arg-max of the frames' softmax probabilities averaged over
    /// the clip's frames, so every frame counts and no single frame decides. With one frame, <see cref="Predicted"/>.
    /// </summary>
    public int[] PredictedPerClip(int frames)
    {
        if (frames < 1 || Count % frames != 0)
            throw new ArgumentException($"{Count} frame(s) are not whole clips of {frames} frame(s).", nameof(frames));
        using var scope = NewDisposeScope();
        var predicted = Logits.softmax(-1).reshape(Count / frames, frames, -1).mean([1]).argmax(1);
        return predicted.data<long>().Select(v => (int)v).ToArray();
    }

    /// <summary>
    /// Outputs computed elsewhere (or constructed): features [N, D] and logits [N, classes] are copied (float32, CPU);
    /// the caller keeps its tensors.
    /// </summary>
    public static ClassifierOutputs From(Tensor features, Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(logits);
        if (features.dim() != 2 || logits.dim() != 2 || features.shape[0] != logits.shape[0] || logits.shape[0] == 0)
            throw new ArgumentException($"Features must be [N, D] and logits [N, classes] with the same N > 0; got [{string.Join(", ", features.shape)}] and [{string.Join(", ", logits.shape)}].");
        using var scope = NewDisposeScope();
        return new ClassifierOutputs(features.detach().to(ScalarType.Float32).cpu().clone(), logits.detach().to(ScalarType.Float32).cpu().clone());
    }

    /// <summary>Runs the classifier over images [N, 3, H, W] (RGB in [-1, 1]), <paramref name="batchSize"/> at a time.</summary>
    public static ClassifierOutputs Of(ImageClassifier classifier, Tensor images, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Images must be [N, 3, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        long n = images.shape[0];
        return Collect(classifier, Batches());

        IEnumerable<Tensor> Batches()
        {
            for (long i = 0; i < n; i += batchSize) yield return images.narrow(0, i, Math.Min(batchSize, n - i));
        }
    }

    /// <summary>
    /// Runs the classifier over a sequence of batches [b, 3, H, W] (sizes may differ between batches). Tensors that
    /// the enumeration creates while it is advanced are disposed after their batch; tensors that existed before
    /// remain the caller's.
    /// </summary>
    public static ClassifierOutputs Collect(ImageClassifier classifier, IEnumerable<Tensor> batches)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(batches);
        var features = new List<Tensor>();
        var logits = new List<Tensor>();
        bool wasTraining = classifier.training;
        classifier.eval();
        try
        {
            using var e = batches.GetEnumerator();
            while (true)
            {
                using var scope = NewDisposeScope();
                if (!e.MoveNext()) break;
                using var _ = no_grad();
                var (f, l) = classifier.FeaturesAndLogits(e.Current);
                features.Add(f.to(ScalarType.Float32).cpu().DetachFromDisposeScope());
                logits.Add(l.to(ScalarType.Float32).cpu().DetachFromDisposeScope());
            }
            if (logits.Count == 0) throw new ArgumentException("There are no images to classify.", nameof(batches));
            return new ClassifierOutputs(cat(features, 0), cat(logits, 0));
        }
        finally
        {
            foreach (var t in features.Concat(logits)) t.Dispose();
            classifier.train(wasTraining);
        }
    }

    public void Dispose()
    {
        Features.Dispose();
        Logits.Dispose();
    }
}
