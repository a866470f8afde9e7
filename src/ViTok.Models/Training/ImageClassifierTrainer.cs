using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Data;
using ViTok.Models.Metrics;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// Trains an <see cref="ImageClassifier"/> on a labelled <see cref="IClipSource"/> of images: a fixed number of epochs
/// over a seeded shuffle (<see cref="ClipLoader"/>), cross-entropy, our <see cref="AdamW"/> with warm-up and cosine
/// decay (<see cref="LearningRateSchedule"/>), random horizontal flips drawn from a seeded generator. Each step runs in
/// its own dispose scope. Deterministic for a seed on a given machine and thread count. After each epoch the accuracy
/// on the test source, when given, is reported; the model can be written atomically with its configuration, options
/// and test accuracy (<see cref="ImageClassifierFile"/>).
/// </summary>
public sealed class ImageClassifierTrainer
{
    readonly ImageClassifierTrainingOptions _options;
    readonly Device _device;

    public ImageClassifierTrainer(ImageClassifierTrainingOptions options, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _device = device ?? CPU;
    }

    /// <summary>
    /// Trains on <paramref name="train"/> and measures on <paramref name="test"/> (optional, same class names); when
    /// <paramref name="outputPath"/> is given the model is saved there atomically. Cancelling stops between steps with
    /// <see cref="OperationCanceledException"/> and writes nothing.
    /// </summary>
    public ImageClassifierTrainingResult Train(IClipSource train, IClipSource? test = null, string? outputPath = null,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = _options;
        int imageSize = CheckSources(train, test);
        var config = new ImageClassifierConfig { ImageSize = imageSize, Widths = [.. o.Widths], ClassNames = [.. train.ClassNames] };

        random.manual_seed(o.Seed);
        var model = new ImageClassifier(config);
        try
        {
            model.to(_device);
            using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), o.Beta1, o.Beta2, o.WeightDecay);
            using var flips = new Generator((ulong)o.Seed + 1);
            using var flipProbability = o.FlipProbability.ToScalar();
            using var loader = new ClipLoader(train, new ClipLoaderOptions
            {
                BatchSize = o.BatchSize, Seed = (int)o.Seed, Workers = o.Workers, Shuffle = true, DropLast = false, Epochs = o.Epochs,
            });
            long stepsPerEpoch = loader.BatchesPerEpoch, steps = stepsPerEpoch * o.Epochs;
            var schedule = new LearningRateSchedule(o.LearningRate, steps, o.WarmupFraction, o.LearningRateFloor);
            log?.Invoke($"training a {string.Join("/", config.Widths)}-channel classifier ({Parameters(model):N0} parameters, {config.Classes} classes, " +
                        $"{imageSize}x{imageSize}) on {train.Description} for {o.Epochs} epoch(s) of {stepsPerEpoch} steps" +
                        (test is null ? "" : $"; testing on {test.Description}") + $", on {_device}");

            var clock = Stopwatch.StartNew();
            var window = Stopwatch.StartNew();
            double lossSum = 0;
            long seen = 0, correct = 0, step = 0;
            ClassAccuracy? testAccuracy = null;
            while (loader.Next(cancel) is { } batch)
            {
                cancel.ThrowIfCancellationRequested();
                double lr = schedule.At(step);
                using (var scope = NewDisposeScope())
                {
                    model.train();
                    var x = Images(batch, train);
                    var y = Labels(batch, config.Classes, train);
                    if (o.FlipProbability > 0)
                    {
                        var flip = rand([x.shape[0]], generator: flips).lt(flipProbability).view(-1, 1, 1, 1);
                        x = where(flip, x.flip(3), x);
                    }
                    var logits = model.forward(x.to(_device));
                    var loss = nn.functional.cross_entropy(logits, y.to(_device));
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.StepWith(lr);
                    double value = loss.item<float>();
                    if (!double.IsFinite(value))
                        throw new TrainingDivergedException($"The classifier's loss became {value} at step {step + 1}; lower the learning rate or check the data. Nothing was written.");
                    lossSum += value * batch.Count;
                    correct += logits.argmax(1).cpu().eq(y).sum().item<long>();
                    seen += batch.Count;
                }
                step++;
                bool epochEnd = step % stepsPerEpoch == 0;
                if (epochEnd && test is not null) testAccuracy = Evaluate(model, test, o.EvalBatchSize);
                if (progress is not null && (step % o.LogEvery == 0 || epochEnd || step == steps) && seen > 0)
                {
                    double perSecond = seen / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                    var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / step * (steps - step));
                    var terms = new Dictionary<string, double> { ["train_acc"] = (double)correct / seen, ["epoch"] = (double)step / stepsPerEpoch };
                    var evaluation = epochEnd && testAccuracy is not null ? new Dictionary<string, double> { ["test_accuracy"] = testAccuracy.Accuracy } : null;
                    progress.Report(new TrainingProgress(step, steps, lossSum / seen, terms, perSecond, eta, lr, evaluation));
                    lossSum = 0;
                    seen = correct = 0;
                    window.Restart();
                }
            }
            model.eval();
            if (outputPath is not null) Save(model, outputPath, train, test, testAccuracy, step, clock.Elapsed);
            return new ImageClassifierTrainingResult(model, testAccuracy, step, clock.Elapsed);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Accuracy of <paramref name="model"/> on every item of a labelled source (its true labels), batch by batch.</summary>
    public static ClassAccuracy Evaluate(ImageClassifier model, IClipSource source, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        if (source.ClassNames.Count == 0) throw new ArgumentException($"{source.Description} has no class labels; accuracy needs labelled data.", nameof(source));
        if (!source.ClassNames.SequenceEqual(model.Config.ClassNames, StringComparer.Ordinal))
            throw new ArgumentException($"{source.Description} has the classes [{string.Join(", ", source.ClassNames)}]; the classifier knows [{string.Join(", ", model.Config.ClassNames)}].", nameof(source));
        var labels = new List<int>();
        using var outputs = ClassifierOutputs.Collect(model, GeneratedImageMetrics.SourceBatches(source, source.Count, batchSize, labels));
        return ClassAccuracy.Of(outputs.Predicted(), labels, model.Config.ClassNames);
    }

    /// <summary>Checks that the sources are labelled images of one square size with the same classes; returns the size.</summary>
    static int CheckSources(IClipSource train, IClipSource? test)
    {
        if (train.Count == 0) throw new ArgumentException($"{train.Description} has no items.", nameof(train));
        if (train.ClassNames.Count < 2)
            throw new ArgumentException($"{train.Description} has {(train.ClassNames.Count == 0 ? "no class labels" : "a single class")}; a classifier trains on labelled data of at least 2 classes (e.g. folder:PATH?labels=subfolders).", nameof(train));
        var first = train.Read(0, new Random(0));
        if (first.Frames != 1) throw new ArgumentException($"{train.Description} gives clips of {first.Frames} frames; the classifier takes images.", nameof(train));
        if (first.Height != first.Width) throw new ArgumentException($"{train.Description} gives {first.Width}x{first.Height} images; the classifier takes square images (add crop=N).", nameof(train));
        if (test is not null)
        {
            if (test.Count == 0) throw new ArgumentException($"{test.Description} has no items.", nameof(test));
            if (test.ClassNames.Count == 0) throw new ArgumentException($"{test.Description} has no class labels; test accuracy needs labelled data.", nameof(test));
            if (!test.ClassNames.SequenceEqual(train.ClassNames, StringComparer.Ordinal))
                throw new ArgumentException($"The test data {test.Description} has the classes [{string.Join(", ", test.ClassNames)}], the training data [{string.Join(", ", train.ClassNames)}].", nameof(test));
        }
        return first.Height;
    }

    static Tensor Images(ClipBatch batch, IClipSource source)
    {
        var x = batch.ToTensor();
        if (x.shape[2] != 1) throw new ArgumentException($"{source.Description} gives clips of {x.shape[2]} frames; the classifier takes images.");
        return x.squeeze(2);
    }

    static Tensor Labels(ClipBatch batch, int classes, IClipSource source)
    {
        foreach (var clip in batch.Clips)
            if (clip.Label < 0 || clip.Label >= classes)
                throw new ArgumentException($"{source.Description}: item '{clip.Origin}' has label {clip.Label}; expected 0..{classes - 1}.");
        return tensor(batch.Labels.Select(l => (long)l).ToArray());
    }

    static long Parameters(ImageClassifier model) => model.parameters().Sum(p => p.numel());

    void Save(ImageClassifier model, string path, IClipSource train, IClipSource? test, ClassAccuracy? accuracy, long steps, TimeSpan elapsed)
    {
        var metadata = new Dictionary<string, string>
        {
            ["train.options"] = _options.ToJson(),
            ["train.data"] = train.Description,
            ["train.steps"] = steps.ToString(CultureInfo.InvariantCulture),
            ["train.seconds"] = elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture),
        };
        if (test is not null && accuracy is not null)
        {
            metadata["test.data"] = test.Description;
            metadata["test.accuracy"] = JsonSerializer.Serialize(new { accuracy = accuracy.Accuracy, correct = accuracy.Correct, count = accuracy.Count });
        }
        ImageClassifierFile.Save(model, path, metadata);
    }
}
