using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Losses;
using ViTok.Models.Onnx;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Models.Recipes;

/// <summary>
/// Tokenizer training as `vitok train` and ML.NET's TrainTokenizer both run it: the held-out split (a seeded
/// <see cref="Defaults.HeldOutFraction"/> of the data, which training then never sees, unless separate evaluation data
/// is given), the data stream (a <see cref="ClipLoader"/> over the training part: the recipe owns the order, so the same
/// items in the same order give the same batches through either surface), the ResNet18 perceptual loss, the evaluation
/// (PSNR, SSIM and, with <c>fd</c>, FD-ResNet18 on the held-out clips) and the training run (<see cref="TokenizerTrainer"/>).
/// The same configuration, options and items give a bitwise identical tokenizer.
/// </summary>
public sealed class TokenizerTrainingRecipe : IDisposable
{
    /// <summary>The defaults of the recipe that are not training options (those are <see cref="TokenizerTrainingOptions.Defaults"/>).</summary>
    public static class Defaults
    {
        /// <summary>The part of the data held out for evaluation when no evaluation data is given.</summary>
        public const double HeldOutFraction = 0.02;
        /// <summary>Background decoding workers of the training data (the batches do not depend on them).</summary>
        public const int Workers = 2;
        /// <summary>Evaluation includes FD-ResNet18 (ResNet18 at 224x224: the slow part on a CPU) when at least two clips are held out.</summary>
        public const bool Fd = true;
    }

    /// <summary>The smallest image side the ResNet18 perceptual loss runs on (its last stages shrink smaller images to nothing).</summary>
    public const int MinPerceptualImageSize = 32;

    readonly ViTokConfig _config;
    readonly TokenizerTrainingOptions _options;
    readonly string _dataSource;
    readonly Device _device;
    readonly int _workers;
    readonly bool _fd;
    FeatureNetwork? _features;
    PerceptualLoss? _perceptual;
    bool _prepared;

    /// <param name="data">The training data; without <paramref name="evalData"/> its held-out part is left out of training.</param>
    /// <param name="dataName">What <paramref name="data"/> is, canonically (a SOURCE text, "column 'Image' of an IDataView"):
    /// with the training part's description it names the data in checkpoints, and a resume on other data is refused.</param>
    /// <param name="evalData">Held-out data for evaluation; null: the held-out part of <paramref name="data"/>.</param>
    public TokenizerTrainingRecipe(ViTokConfig config, TokenizerTrainingOptions options, IClipSource data, string dataName, Device device,
        IClipSource? evalData = null, int workers = Defaults.Workers, bool fd = Defaults.Fd)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataName);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Check(config, options);
        IClipSource train = data, held;
        if (evalData is null) (train, held) = HoldOutSplit.Split(data, Defaults.HeldOutFraction, (int)options.Seed);
        else held = evalData;
        Train = train;
        HeldOut = options.EvalItems > 0 ? held : null;
        _config = config;
        _options = options;
        _device = device;
        _workers = workers;
        _fd = fd;
        _dataSource = $"{dataName} = {train.Description}" + (train.Fingerprint is { } files ? $", files {files}" : "");
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the configuration or the options do not fit the recipe (the
    /// perceptual loss on images under <see cref="MinPerceptualImageSize"/>: parameter name PerceptualWeight), before any work.</summary>
    public static void Check(ViTokConfig config, TokenizerTrainingOptions options)
    {
        config.Validate();
        options.Validate();
        if (options.PerceptualWeight > 0 && config.ImageSize < MinPerceptualImageSize)
            throw new ArgumentException($"The ResNet18 perceptual loss needs images of at least {MinPerceptualImageSize} pixels; these are {config.ImageSize}. " +
                                        "Set the perceptual weight to 0 to train without it.", nameof(options.PerceptualWeight));
    }

    /// <summary>The items training draws its batches from.</summary>
    public IClipSource Train { get; }

    /// <summary>The items evaluation reads from; null when the options turn evaluation off (EvalItems 0).</summary>
    public IClipSource? HeldOut { get; }

    /// <summary>The held-out clips, read by <see cref="Prepare"/>; null without evaluation.</summary>
    public TokenizerEvaluation? Evaluation { get; private set; }

    /// <summary>
    /// Loads the networks (perceptual loss when its weight is above 0, ResNet18 features for FD) onto the device and reads
    /// the held-out clips: an unreadable one is a <see cref="BadItemException"/> naming it (unless the options skip bad
    /// items). <see cref="Run"/> calls it when it was not called before.
    /// </summary>
    public void Prepare()
    {
        if (_prepared) return;
        _prepared = true;
        if (HeldOut is not null)
        {
            // A Frechet distance needs two clips at least: with fewer held out, evaluation is PSNR and SSIM.
            _features = _fd && Math.Min(HeldOut.Count, _options.EvalItems) >= 2 ? FeatureNetwork.ResNet18() : null;
            _features?.to(_device);
            Evaluation = new TokenizerEvaluation(HeldOut, _options.EvalItems, _features, skipBadItems: _options.SkipBadItems);
        }
        _perceptual = _options.PerceptualWeight > 0 ? PerceptualLoss.ResNet18() : null;
        _perceptual?.to(_device);
    }

    /// <summary>Trains into <paramref name="folder"/> (checkpoints, history.jsonl, tokenizer.safetensors); resumable.</summary>
    /// <param name="initial">Weights to start from (stage 2: the stage-1 tokenizer).</param>
    public TrainingResult Run(string folder, bool resume = false, ViTokAutoEncoder? initial = null, IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        Prepare();
        var loader = new ClipLoaderOptions
        {
            BatchSize = _options.BatchSize, Seed = (int)_options.Seed, Workers = _workers, SkipBadItems = _options.SkipBadItems, DropLast = true,
        };
        var perceptual = _perceptual;
        var trainer = new TokenizerTrainer(_config, _options, position => new LoaderBatchStream(Train, loader, position, cancel), _dataSource, _device,
            perceptual is null ? null : (r, t) => perceptual.forward(r, t).mean(), Evaluation is null ? null : Evaluation.Evaluate);
        return trainer.Run(folder, resume, initial, progress, log, cancel);
    }

    /// <summary>The items passed over as unreadable: in the held-out clips and in a run's training data.</summary>
    public IReadOnlyList<string> Skipped(TrainingResult? result) =>
        [.. (Evaluation?.Skipped ?? []).Concat(result?.SkippedItems ?? []).Distinct(StringComparer.Ordinal)];

    public void Dispose()
    {
        Evaluation?.Dispose();
        _features?.Dispose();
        _perceptual?.Dispose();
    }
}
