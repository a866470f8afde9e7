using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// Trains a ViTok tokenizer with the paper's recipe. Loss = MSE + l1·L1 + beta·KL + eta·perceptual (+ lambda·GAN in
/// stage 2, where the encoder is frozen and a discriminator is trained with the hinge loss). AdamW with warm-up and
/// cosine decay, gradient clipping, EMA of the weights (used for evaluation and export). A run folder holds
/// checkpoints (resumable exactly), history.jsonl and, at the end, tokenizer.safetensors (the EMA weights).
/// </summary>
public sealed class TokenizerTrainer
{
    /// <summary>Perceptual distance of two image batches [N, 3, H, W] in [-1, 1]; a differentiable scalar.</summary>
    public delegate Tensor PerceptualLoss(Tensor reconstruction, Tensor target);

    /// <summary>Evaluates a model on held-out data; returns named metrics (psnr, ssim, ...).</summary>
    public delegate IReadOnlyDictionary<string, double> Evaluator(ViTokAutoEncoder model);

    readonly ViTokConfig _config;
    readonly TokenizerTrainingOptions _options;
    readonly Func<string?, IBatchStream> _data;
    readonly string _dataSource;
    readonly PerceptualLoss? _perceptual;
    readonly Evaluator? _evaluate;
    readonly Device _device;

    /// <param name="data">Opens the batch stream at a saved position (null: the start).</param>
    /// <param name="dataSource">
    /// What the data is, canonically (e.g. the SOURCE text with a full path and the source's description): stored in
    /// checkpoints, and a resume on other data is refused naming both unless the options say ResumeWithChangedOptions.
    /// </param>
    public TokenizerTrainer(ViTokConfig config, TokenizerTrainingOptions options, Func<string?, IBatchStream> data, string dataSource,
        Device device, PerceptualLoss? perceptual = null, Evaluator? evaluate = null)
    {
        config.Validate();
        options.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(dataSource);
        _config = config;
        _options = options;
        _data = data;
        _dataSource = dataSource;
        _device = device;
        _perceptual = perceptual;
        _evaluate = evaluate;
    }

    /// <summary>
    /// Runs until <see cref="SteppedTrainingOptions.Steps"/> or cancellation (which saves a checkpoint first).
    /// </summary>
    /// <param name="folder">Run folder (created).</param>
    /// <param name="resume">Continue from the newest valid checkpoint in <paramref name="folder"/>.</param>
    /// <param name="initial">Weights to start from (required for stage 2: the stage-1 tokenizer).</param>
    public TrainingResult Run(string folder, bool resume = false, ViTokAutoEncoder? initial = null,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        using var folderLock = RunFolderLock.Acquire(folder);    // one run per folder
        _log = log;
        var o = _options;
        if (o.Stage == 2 && initial is null && !resume)
            throw new ArgumentException("Stage 2 starts from a trained stage-1 tokenizer: pass it as the initial model (--from).");

        random.manual_seed(o.Seed);
        using var run = new TokenizerRun(this, initial);
        var loop = new TrainingLoop(new TrainingCadence(o.Steps, o.LogEvery, _evaluate is null ? 0 : o.EvalEvery, o.CheckpointEvery),
            new LearningRateSchedule(o.LearningRate, o.Steps, o.WarmupFraction, o.LearningRateFloor));
        var outcome = loop.Run(run, folder, resume, progress, log, cancel);
        return new TrainingResult(outcome.Step, outcome.Completed, outcome.LastCheckpoint, outcome.Exported, run.Skipped, outcome.LastEvaluation);
    }

    /// <summary>One run's state (model, EMA, optimisers, discriminator, noise, data) and its step.</summary>
    sealed class TokenizerRun : ITrainingRun, IDisposable
    {
        readonly TokenizerTrainer _trainer;
        readonly ViTokAutoEncoder _model, _emaModel;
        readonly StyleGanDiscriminator? _disc;
        readonly AdamW _opt;
        readonly AdamW? _dopt;
        readonly ExponentialMovingAverage _ema;
        readonly Generator _noise;
        readonly StepValues _values = new();
        readonly List<string> _skippedBefore = [];
        string? _position;
        IBatchStream? _data;

        public TokenizerRun(TokenizerTrainer trainer, ViTokAutoEncoder? initial)
        {
            _trainer = trainer;
            var o = trainer._options;
            var config = trainer._config;
            var device = trainer._device;
            _model = new ViTokAutoEncoder(config);
            _emaModel = new ViTokAutoEncoder(config);
            if (initial is not null) TrainingState.CopyWeights(_model, initial);
            _model.to(device);
            _emaModel.to(device);
            _disc = o.Stage == 2 ? new StyleGanDiscriminator(config.ImageSize, o.DiscriminatorChannels) : null;
            _disc?.to(device);
            if (o.Stage == 2)
                foreach (var p in _model.Encoder.parameters()) p.requires_grad = false;
            var trainable = _model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter));
            _opt = new AdamW(trainable, o.Beta1, o.Beta2, o.WeightDecay);
            _dopt = _disc is null ? null : new AdamW(_disc.named_parameters().Select(p => (p.name, p.parameter)), 0.0, 0.99, 0);
            _ema = new ExponentialMovingAverage(_model, _emaModel, o.EmaDecay);
            _noise = new Generator((ulong)o.Seed + 1, device);
        }

        /// <summary>The batch stream, opened at the restored position on first use.</summary>
        IBatchStream Data => _data ??= _trainer._data(_position);

        public IReadOnlyList<string> Skipped => [.. _skippedBefore, .. _data?.SkippedItems ?? []];

        public string DivergenceAdvice => "Lower the learning rate or check the data.";

        public (Tensor Loss, long Items) Step(long step, double lr)
        {
            var o = _trainer._options;
            _model.train();
            _values.Clear();
            using var batch = Data.Next();
            var x = batch.to(_trainer._device);
            var (total, reconstruction) = _trainer.GeneratorLoss(_model, _disc, x, _noise, step, _values);
            _opt.ZeroGrad();
            total.backward();
            _values.Set("grad_norm", _opt.ClipGradNorm(o.GradClip));
            _opt.StepWith(lr);
            if (_disc is not null)
            {
                _dopt!.ZeroGrad();
                using var dloss = DiscriminatorLoss(_disc, x, reconstruction.detach());
                _values.Set("disc", dloss);
                dloss.backward();
                _dopt.ClipGradNorm(o.GradClip);
                _dopt.StepWith(o.DiscriminatorLearningRate);
            }
            _ema.Update(step);
            _values.Set("loss", total);
            return (total, x.shape[0]);
        }

        public (double Loss, IReadOnlyDictionary<string, double> Terms) Report() => _values.Report();

        public IReadOnlyDictionary<string, double>? Evaluate()
        {
            if (_trainer._evaluate is null) return null;
            _emaModel.eval();
            using (no_grad()) return _trainer._evaluate(_emaModel);
        }

        public string Save(string folder, long step) => _trainer.Save(folder, step, Data, _model, _emaModel, _opt, _dopt, _disc, _noise, _skippedBefore);

        public long Restore(SafeTensorsFile file)
        {
            (long step, _position) = _trainer.Restore(file, _model, _emaModel, _opt, _dopt, _disc, _noise, _skippedBefore);
            return step;
        }

        public string? Export(string? folder, long step, IReadOnlyDictionary<string, double>? evaluation)
        {
            string export = Path.Combine(folder!, "tokenizer.safetensors");
            _emaModel.eval();
            using var cpu = new ViTokAutoEncoder(_trainer._config);
            TrainingState.CopyWeights(cpu, _emaModel);
            TokenizerFile.Save(cpu, export, new Dictionary<string, string>
            {
                ["train.steps"] = step.ToString(CultureInfo.InvariantCulture),
                ["train.options"] = _trainer._options.ToJson(),
                ["train.metrics"] = evaluation is null ? "{}" : JsonSerializer.Serialize(evaluation),
            });
            return export;
        }

        public void Dispose()
        {
            _data?.Dispose();
            _values.Dispose();
            _noise.Dispose();
            _dopt?.Dispose();
            _opt.Dispose();
            _disc?.Dispose();
            _emaModel.Dispose();
            _model.Dispose();
        }
    }

    /// <summary>Reconstruction, KL, perceptual and (stage 2) generator GAN terms; returns the weighted total and the reconstruction.</summary>
    (Tensor Total, Tensor Reconstruction) GeneratorLoss(ViTokAutoEncoder model, StyleGanDiscriminator? disc, Tensor x, Generator noise, long step, StepValues terms)
    {
        var o = _options;
        using var autocast = Autocast.Bf16(o.Bf16);
        using var posterior = model.Encode(x);
        var z = posterior.Sample(noise);
        var r = model.Decode(z).to(ScalarType.Float32);                         // [B, 3, T, H, W]
        var target = x.dim() == 4 ? x.unsqueeze(2) : x;
        var mse = nn.functional.mse_loss(r, target);
        var kl = posterior.Kl();
        using Scalar klWeight = o.KlWeight.ToScalar(), l1Weight = o.L1Weight.ToScalar(), perceptualWeight = o.PerceptualWeight.ToScalar(),
            ganWeight = GanWeightAt(step).ToScalar();      // held for the whole step (see HeldScalars)
        var total = mse.Plus(klWeight * kl);
        terms.Set("mse", mse);
        terms.Set("kl", kl);
        if (o.L1Weight > 0)
        {
            var l1 = nn.functional.l1_loss(r, target);
            terms.Set("l1", l1);
            total = total.Plus(l1Weight * l1);
        }
        if (_perceptual is not null && o.PerceptualWeight > 0)
        {
            var perceptual = _perceptual(Frames(r), Frames(target));           // per frame, as the paper does for video
            terms.Set("perceptual", perceptual);
            total = total.Plus(perceptualWeight * perceptual);
        }
        if (disc is not null)
        {
            if (GanWeightAt(step) > 0)
            {
                foreach (var p in disc.parameters()) p.requires_grad = false;
                var g = -disc.forward(r).mean();
                foreach (var p in disc.parameters()) p.requires_grad = true;
                terms.Set("gan_g", g);
                total = total.Plus(ganWeight * g);
            }
        }
        return (total, r);
    }

    /// <summary>Generator GAN weight: 0 during warm-up, then a linear ramp to <see cref="TokenizerTrainingOptions.GanWeight"/>.</summary>
    public double GanWeightAt(long step)
    {
        var o = _options;
        if (step < o.GanWarmupSteps) return 0;
        if (o.GanRampSteps <= 0) return o.GanWeight;
        return o.GanWeight * Math.Min(1.0, (double)(step - o.GanWarmupSteps + 1) / o.GanRampSteps);
    }

    /// <summary>Hinge loss of the discriminator: relu(1 - D(real)) + relu(1 + D(fake)).</summary>
    static Tensor DiscriminatorLoss(StyleGanDiscriminator disc, Tensor real, Tensor fake)
    {
        using var scope = NewDisposeScope();
        var target = real.dim() == 4 ? real.unsqueeze(2) : real;
        using Scalar one = 1.ToScalar();
        var loss = nn.functional.relu(one.Minus(disc.forward(target))).mean().Plus(nn.functional.relu(disc.forward(fake).Plus(one)).mean());
        return loss.MoveToOuterDisposeScope();
    }

    static Tensor Frames(Tensor clip) => clip.transpose(1, 2).flatten(0, 1);     // [B, 3, T, H, W] -> [B*T, 3, H, W]

    string Save(string folder, long step, IBatchStream data, ViTokAutoEncoder model, ViTokAutoEncoder ema, AdamW opt, AdamW? dopt,
        StyleGanDiscriminator? disc, Generator noise, List<string> skippedBefore)
    {
        using var scope = NewDisposeScope();
        var tensors = new List<(string, Tensor)>();
        tensors.AddRange(TrainingState.Prefixed("model.", model));
        tensors.AddRange(TrainingState.Prefixed("ema.", ema));
        tensors.AddRange(opt.State("opt"));
        if (disc is not null)
        {
            tensors.AddRange(TrainingState.Prefixed("disc.", disc));
            tensors.AddRange(dopt!.State("dopt"));
        }
        tensors.Add(("rng.noise", noise.get_state()));
        var metadata = new Dictionary<string, string>
        {
            ["vitok.config"] = _config.ToJson(),
            [TrainingState.OptionsKey] = _options.ToJson(),
            [TrainingState.DataKey] = _dataSource,
            ["train.opt_step"] = opt.Step.ToString(CultureInfo.InvariantCulture),
            ["train.dopt_step"] = (dopt?.Step ?? 0).ToString(CultureInfo.InvariantCulture),
            ["train.data_position"] = data.Position,
            ["train.skipped"] = JsonSerializer.Serialize(Skipped(skippedBefore, data)),
        };
        TrainingCheckpoint.Write(folder, step, tensors, metadata, _options.KeepCheckpoints);
        return TrainingCheckpoint.PathFor(folder, step);
    }

    Action<string>? _log;

    (long Step, string Position) Restore(SafeTensorsFile file, ViTokAutoEncoder model, ViTokAutoEncoder ema, AdamW opt, AdamW? dopt,
        StyleGanDiscriminator? disc, Generator noise, List<string> skipped)
    {
        var saved = ViTokConfig.FromJson(file.Metadata["vitok.config"]);
        if (saved != _config)
            throw new InvalidDataException($"Checkpoint '{file.Path}' is for {saved.Variant} ({saved.ToJson()}), not for the requested {_config.Variant}.");
        TrainingState.CheckResumed(file, _options.ToJson(), _options.MayChangeOnResume, _dataSource, _options.ResumeWithChangedOptions, _log);
        TrainingState.LoadPrefixed(file, "model.", model);
        TrainingState.LoadPrefixed(file, "ema.", ema);
        opt.Load(file.Read, "opt", long.Parse(file.Metadata["train.opt_step"], CultureInfo.InvariantCulture));
        if (disc is not null)
        {
            if (!file.Entries.Keys.Any(k => k.StartsWith("disc.", StringComparison.Ordinal)))
                throw new InvalidDataException($"Checkpoint '{file.Path}' is a stage-1 checkpoint; stage 2 starts with --from, not --resume.");
            TrainingState.LoadPrefixed(file, "disc.", disc);
            dopt!.Load(file.Read, "dopt", long.Parse(file.Metadata["train.dopt_step"], CultureInfo.InvariantCulture));
        }
        using (var state = file.Read("rng.noise")) noise.set_state(state);
        skipped.AddRange(JsonSerializer.Deserialize<string[]>(file.Metadata.GetValueOrDefault("train.skipped", "[]")) ?? []);
        return (long.Parse(file.Metadata["train.step"], CultureInfo.InvariantCulture), file.Metadata["train.data_position"]);
    }

    static IReadOnlyList<string> Skipped(List<string> before, IBatchStream data) => [.. before, .. data.SkippedItems];
}
