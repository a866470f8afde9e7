using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
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
    readonly PerceptualLoss? _perceptual;
    readonly Evaluator? _evaluate;
    readonly Device _device;

    /// <param name="data">Opens the batch stream at a saved position (null: the start).</param>
    public TokenizerTrainer(ViTokConfig config, TokenizerTrainingOptions options, Func<string?, IBatchStream> data,
        Device device, PerceptualLoss? perceptual = null, Evaluator? evaluate = null)
    {
        config.Validate();
        options.Validate();
        _config = config;
        _options = options;
        _data = data;
        _device = device;
        _perceptual = perceptual;
        _evaluate = evaluate;
    }

    /// <summary>
    /// Runs until <see cref="TokenizerTrainingOptions.Steps"/> or cancellation (which saves a checkpoint first).
    /// </summary>
    /// <param name="folder">Run folder (created).</param>
    /// <param name="resume">Continue from the newest valid checkpoint in <paramref name="folder"/>.</param>
    /// <param name="initial">Weights to start from (required for stage 2: the stage-1 tokenizer).</param>
    public TrainingResult Run(string folder, bool resume = false, ViTokAutoEncoder? initial = null,
        IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(folder);
        var o = _options;
        if (o.Stage == 2 && initial is null && !resume)
            throw new ArgumentException("Stage 2 starts from a trained stage-1 tokenizer: pass it as the initial model (--from).");

        random.manual_seed(o.Seed);
        using var model = new ViTokAutoEncoder(_config);
        using var emaModel = new ViTokAutoEncoder(_config);
        if (initial is not null) TrainingState.CopyWeights(model, initial);
        model.to(_device);
        emaModel.to(_device);
        StyleGanDiscriminator? disc = o.Stage == 2 ? new StyleGanDiscriminator(_config.ImageSize, o.DiscriminatorChannels) : null;
        disc?.to(_device);
        try
        {
            if (o.Stage == 2)
                foreach (var p in model.Encoder.parameters()) p.requires_grad = false;
            var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter));
            using var opt = new AdamW(trainable, o.Beta1, o.Beta2, o.WeightDecay);
            using var dopt = disc is null ? null : new AdamW(disc.named_parameters().Select(p => (p.name, p.parameter)), 0.0, 0.99, 0);
            var ema = new ExponentialMovingAverage(model, emaModel, o.EmaDecay);
            using var noise = new Generator((ulong)o.Seed + 1, _device);
            var schedule = new LearningRateSchedule(o.LearningRate, o.Steps, o.WarmupFraction, o.LearningRateFloor);

            long step = 0;
            string? position = null;
            string? lastCheckpoint = null;
            var skippedBefore = new List<string>();
            if (resume)
            {
                var rejected = new List<string>();
                var file = TrainingCheckpoint.Latest(folder, rejected);
                foreach (var r in rejected) log?.Invoke($"passed over unreadable checkpoint {r}");
                if (file is null) throw new FileNotFoundException($"--resume: no readable checkpoint in '{folder}'.");
                (step, position) = Restore(file, model, emaModel, opt, dopt, disc, noise, skippedBefore);
                lastCheckpoint = file.Path;
                log?.Invoke($"resumed from {file.Path} at step {step}");
            }

            using var data = _data(position);
            using var history = new StreamWriter(Path.Combine(folder, "history.jsonl"), append: true);
            var clock = Stopwatch.StartNew();
            long itemsSinceLog = 0;
            IReadOnlyDictionary<string, double>? lastEval = null;
            var terms = new Dictionary<string, double>();
            double loss = 0;

            while (step < o.Steps)
            {
                if (cancel.IsCancellationRequested)
                {
                    lastCheckpoint = Save(folder, step, data, model, emaModel, opt, dopt, disc, noise, skippedBefore);
                    return new TrainingResult(step, false, lastCheckpoint, null, Skipped(skippedBefore, data), lastEval);
                }
                double lr = schedule.At(step);
                using (new GcPause())
                using (var scope = NewDisposeScope())
                {
                    model.train();
                    using var batch = data.Next();
                    var x = batch.to(_device);
                    terms.Clear();
                    var (total, reconstruction) = GeneratorLoss(model, disc, x, noise, step, terms);
                    loss = total.item<float>();
                    if (!double.IsFinite(loss))
                        throw new TrainingDivergedException(
                            $"The loss became {loss} at step {step + 1} ({string.Join(", ", terms.Select(t => $"{t.Key} {t.Value:G4}"))}). " +
                            $"Training stopped; the last good checkpoint is {(lastCheckpoint ?? "none (no checkpoint yet)")} and nothing was written for this step. " +
                            "Lower the learning rate or check the data.");
                    opt.ZeroGrad();
                    total.backward();
                    terms["grad_norm"] = opt.ClipGradNorm(o.GradClip);
                    opt.StepWith(lr);
                    if (disc is not null)
                    {
                        dopt!.ZeroGrad();
                        using var dloss = DiscriminatorLoss(disc, x, reconstruction.detach());
                        terms["disc"] = dloss.item<float>();
                        dloss.backward();
                        dopt.ClipGradNorm(o.GradClip);
                        dopt.StepWith(o.DiscriminatorLearningRate);
                    }
                    ema.Update(step);
                }
                step++;
                itemsSinceLog += o.BatchSize;

                bool evalNow = _evaluate is not null && (step % o.EvalEvery == 0 || step == o.Steps);
                if (evalNow)
                {
                    emaModel.eval();
                    using (no_grad()) lastEval = _evaluate!(emaModel);
                }
                if (step % o.LogEvery == 0 || step == o.Steps || evalNow)
                {
                    double seconds = clock.Elapsed.TotalSeconds;
                    double rate = itemsSinceLog / Math.Max(seconds, 1e-9);
                    var eta = TimeSpan.FromSeconds((o.Steps - step) * o.BatchSize / Math.Max(rate, 1e-9));
                    var report = new TrainingProgress(step, o.Steps, loss, new Dictionary<string, double>(terms), rate, eta, lr, evalNow ? lastEval : null);
                    progress?.Report(report);
                    history.WriteLine(TrainingState.HistoryLine(report));
                    history.Flush();
                    clock.Restart();
                    itemsSinceLog = 0;
                }
                if (step % o.CheckpointEvery == 0 || step == o.Steps)
                    lastCheckpoint = Save(folder, step, data, model, emaModel, opt, dopt, disc, noise, skippedBefore);
            }

            string export = Path.Combine(folder, "tokenizer.safetensors");
            emaModel.eval();
            using (var cpu = new ViTokAutoEncoder(_config))
            {
                TrainingState.CopyWeights(cpu, emaModel);
                TokenizerFile.Save(cpu, export, new Dictionary<string, string>
                {
                    ["train.steps"] = step.ToString(CultureInfo.InvariantCulture),
                    ["train.options"] = o.ToJson(),
                    ["train.metrics"] = lastEval is null ? "{}" : JsonSerializer.Serialize(lastEval),
                });
            }
            return new TrainingResult(step, true, lastCheckpoint, export, Skipped(skippedBefore, data), lastEval);
        }
        finally
        {
            disc?.Dispose();
        }
    }

    /// <summary>Reconstruction, KL, perceptual and (stage 2) generator GAN terms; returns the weighted total and the reconstruction.</summary>
    (Tensor Total, Tensor Reconstruction) GeneratorLoss(ViTokAutoEncoder model, StyleGanDiscriminator? disc, Tensor x, Generator noise, long step, Dictionary<string, double> terms)
    {
        var o = _options;
        using var autocast = Autocast.Bf16(o.Bf16);
        using var posterior = model.Encode(x);
        var z = posterior.Sample(noise);
        var r = model.Decode(z).to(ScalarType.Float32);                         // [B, 3, T, H, W]
        var target = x.dim() == 4 ? x.unsqueeze(2) : x;
        var mse = nn.functional.mse_loss(r, target);
        var kl = posterior.Kl();
        var total = mse + o.KlWeight * kl;
        terms["mse"] = mse.item<float>();
        terms["kl"] = kl.item<float>();
        if (o.L1Weight > 0)
        {
            var l1 = nn.functional.l1_loss(r, target);
            terms["l1"] = l1.item<float>();
            total = total + o.L1Weight * l1;
        }
        if (_perceptual is not null && o.PerceptualWeight > 0)
        {
            var perceptual = _perceptual(Frames(r), Frames(target));           // per frame, as the paper does for video
            terms["perceptual"] = perceptual.item<float>();
            total = total + o.PerceptualWeight * perceptual;
        }
        if (disc is not null)
        {
            double weight = GanWeightAt(step);
            if (weight > 0)
            {
                foreach (var p in disc.parameters()) p.requires_grad = false;
                var g = -disc.forward(r).mean();
                foreach (var p in disc.parameters()) p.requires_grad = true;
                terms["gan_g"] = g.item<float>();
                total = total + weight * g;
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
        var loss = nn.functional.relu(1 - disc.forward(target)).mean() + nn.functional.relu(1 + disc.forward(fake)).mean();
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
            ["train.options"] = _options.ToJson(),
            ["train.opt_step"] = opt.Step.ToString(CultureInfo.InvariantCulture),
            ["train.dopt_step"] = (dopt?.Step ?? 0).ToString(CultureInfo.InvariantCulture),
            ["train.data_position"] = data.Position,
            ["train.skipped"] = JsonSerializer.Serialize(Skipped(skippedBefore, data)),
        };
        TrainingCheckpoint.Write(folder, step, tensors, metadata, _options.KeepCheckpoints);
        return TrainingCheckpoint.PathFor(folder, step);
    }

    (long Step, string Position) Restore(SafeTensorsFile file, ViTokAutoEncoder model, ViTokAutoEncoder ema, AdamW opt, AdamW? dopt,
        StyleGanDiscriminator? disc, Generator noise, List<string> skipped)
    {
        var saved = ViTokConfig.FromJson(file.Metadata["vitok.config"]);
        if (saved != _config)
            throw new InvalidDataException($"Checkpoint '{file.Path}' is for {saved.Variant} ({saved.ToJson()}), not for the requested {_config.Variant}.");
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
