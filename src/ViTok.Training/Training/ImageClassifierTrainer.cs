using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Weights;
using ViTok.Models.Runtime;
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
            var clock = Stopwatch.StartNew();
            using var run = new ClassifierRun(this, model, train, test, outputPath, clock, cancel);
            long stepsPerEpoch = run.StepsPerEpoch, steps = stepsPerEpoch * o.Epochs;
            log?.Invoke($"training a {string.Join("/", config.Widths)}-channel classifier ({Parameters(model):N0} parameters, {config.Classes} classes, " +
                        $"{imageSize}x{imageSize}) on {train.Description} for {o.Epochs} epoch(s) of {stepsPerEpoch} steps" +
                        (test is null ? "" : $"; testing on {test.Description}") + $", on {_device}");
            // Evaluation (test accuracy) after every epoch; no run folder: no checkpoints, and cancelling writes nothing.
            var loop = new TrainingLoop(new TrainingCadence(steps, o.LogEvery, (int)stepsPerEpoch, CheckpointEvery: 0),
                new LearningRateSchedule(o.LearningRate, steps, o.WarmupFraction, o.LearningRateFloor));
            var outcome = loop.Run(run, folder: null, resume: false, progress, log, cancel);
            model.eval();
            return new ImageClassifierTrainingResult(model, run.TestAccuracy, outcome.Step, clock.Elapsed);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>One run's state (optimiser, loader, flips, the running loss and accuracy on the device) and its step.</summary>
    sealed class ClassifierRun : ITrainingRun, IDisposable
    {
        readonly ImageClassifierTrainer _trainer;
        readonly ImageClassifier _model;
        readonly IClipSource _train;
        readonly IClipSource? _test;
        readonly string? _outputPath;
        readonly Stopwatch _clock;
        readonly CancellationToken _cancel;
        readonly AdamW _optimizer;
        readonly Generator _flips;
        readonly Scalar _flipProbability;
        readonly ClipLoader _loader;
        Tensor? _lossSum, _correct;     // since the last report, on the device
        long _seen;

        public ClassifierRun(ImageClassifierTrainer trainer, ImageClassifier model, IClipSource train, IClipSource? test, string? outputPath,
            Stopwatch clock, CancellationToken cancel)
        {
            var o = trainer._options;
            (_trainer, _model, _train, _test, _outputPath, _clock, _cancel) = (trainer, model, train, test, outputPath, clock, cancel);
            _optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), o.Beta1, o.Beta2, o.WeightDecay);
            _flips = new Generator((ulong)o.Seed + 1);
            _flipProbability = o.FlipProbability.ToScalar();
            _loader = new ClipLoader(train, new ClipLoaderOptions
            {
                BatchSize = o.BatchSize, Seed = (int)o.Seed, Workers = o.Workers, Shuffle = true, DropLast = false, Epochs = o.Epochs,
            });
        }

        public long StepsPerEpoch => _loader.BatchesPerEpoch;

        /// <summary>Accuracy on the test source after the latest epoch (null without a test source).</summary>
        public ClassAccuracy? TestAccuracy { get; private set; }

        public string DivergenceAdvice => "Lower the learning rate or check the data.";

        public (Tensor Loss, long Items) Step(long step, double lr)
        {
            var batch = _loader.Next(_cancel) ?? throw new InvalidOperationException($"The loader ended before step {step + 1}.");
            var device = _trainer._device;
            _model.train();
            var x = Images(batch, _train);
            var y = Labels(batch, _model.Config.Classes, _train);
            if (_trainer._options.FlipProbability > 0)
            {
                var flip = rand([x.shape[0]], generator: _flips).lt(_flipProbability).view(-1, 1, 1, 1);
                x = where(flip, x.flip(3), x);
            }
            var logits = _model.forward(x.to(device));
            var loss = nn.functional.cross_entropy(logits, y.to(device));
            _optimizer.ZeroGrad();
            loss.backward();
            _optimizer.StepWith(lr);
            using Scalar count = batch.Count.ToScalar();
            Accumulate(ref _lossSum, loss.detach().mul(count));
            Accumulate(ref _correct, logits.argmax(1).eq(y.to(device)).sum());
            _seen += batch.Count;
            return (loss, batch.Count);
        }

        static void Accumulate(ref Tensor? sum, Tensor value)
        {
            if (sum is null) sum = value.to(ScalarType.Float64).clone().DetachFromDisposeScope();
            else sum.PlusInPlace(value.to(ScalarType.Float64));
        }

        public (double Loss, IReadOnlyDictionary<string, double> Terms) Report()
        {
            double loss = _lossSum!.item<double>() / _seen, accuracy = _correct!.item<double>() / _seen;
            var terms = new Dictionary<string, double> { ["train_acc"] = accuracy, ["epoch"] = (double)_optimizer.Step / StepsPerEpoch };
            _lossSum.Dispose();
            _correct.Dispose();
            (_lossSum, _correct, _seen) = (null, null, 0);
            return (loss, terms);
        }

        public IReadOnlyDictionary<string, double>? Evaluate()
        {
            if (_test is null) return null;
            TestAccuracy = ImageClassifierTrainer.Evaluate(_model, _test, _trainer._options.EvalBatchSize);
            return new Dictionary<string, double> { ["test_accuracy"] = TestAccuracy.Accuracy };
        }

        public string Save(string folder, long step) => throw new NotSupportedException("Classifier runs keep no checkpoints.");

        public long Restore(SafeTensorsFile file) => throw new NotSupportedException("Classifier runs do not resume.");

        public string? Export(string? folder, long step, IReadOnlyDictionary<string, double>? evaluation)
        {
            if (_outputPath is null) return null;
            _model.eval();
            _trainer.Save(_model, _outputPath, _train, _test, TestAccuracy, step, _clock.Elapsed);
            return _outputPath;
        }

        public void Dispose()
        {
            _lossSum?.Dispose();
            _correct?.Dispose();
            _loader.Dispose();
            _flipProbability.Dispose();
            _flips.Dispose();
            _optimizer.Dispose();
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
