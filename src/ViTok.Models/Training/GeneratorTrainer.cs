using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Data;
using ViTok.Models.Generation;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// Trains a class-conditional DiT on cached latents (<see cref="LatentSet"/>) with the tokenizer trainer's standards:
/// AdamW, warm-up + cosine (or constant) learning rate, gradient clipping, EMA (exported), label dropout to the null
/// class for classifier-free guidance, atomic checkpoints that resume bit for bit, a NaN guard and history.jsonl.
/// Latents are standardised per channel (<see cref="LatentNormalization"/>, measured on the training set).
/// A run folder holds checkpoints, history.jsonl and, at the end, generator.safetensors (the EMA weights).
/// </summary>
public sealed class GeneratorTrainer
{
    readonly DiTConfig _config;
    readonly GeneratorTrainingOptions _options;
    readonly LatentSet _data;
    readonly Device _device;

    public GeneratorTrainer(DiTConfig config, GeneratorTrainingOptions options, LatentSet data, Device device)
    {
        config.Validate();
        options.Validate();
        if (data.Tokenizer.Grid != config.Grid || data.Tokenizer.Channels != config.Channels)
            throw new ArgumentException($"The latents ({data.Tokenizer.Tokens} tokens of {data.Tokenizer.Channels} channels, from {data.Origin}) do not fit the generator ({config.Tokens} tokens of {config.Channels}).");
        if (data.ClassNames.Count != config.Classes)
            throw new ArgumentException($"The latents have {data.ClassNames.Count} classes; the generator is configured for {config.Classes}.");
        _config = config;
        _options = options;
        _data = data;
        _device = device;
    }

    /// <summary>Runs until <see cref="GeneratorTrainingOptions.Steps"/> or cancellation (which saves a checkpoint first).</summary>
    public TrainingResult Run(string folder, bool resume = false, IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(folder);
        var o = _options;
        random.manual_seed(o.Seed);
        var normalization = LatentNormalization.Measure(_data.Latents);
        using var latents = normalization.Normalize(_data.Latents);            // [N, L, c], CPU
        using var model = new DiT(_config);
        using var ema = new LatentGenerator(new DiT(_config), normalization, _data.ClassNames, _data.Tokenizer);
        model.to(_device);
        ema.Model.to(_device);
        var objective = DiffusionObjectives.Create(_config);
        using var opt = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), o.Beta1, o.Beta2, o.WeightDecay);
        var average = new ExponentialMovingAverage(model, ema.Model, o.EmaDecay);
        using var noise = new Generator((ulong)o.Seed + 1, _device);
        var schedule = new LearningRateSchedule(o.LearningRate, o.Steps, o.WarmupFraction, o.LearningRateFloor);
        var order = new LatentOrder(_data.Count, o.BatchSize, (int)o.Seed);

        long step = 0;
        string? lastCheckpoint = null;
        if (resume)
        {
            var rejected = new List<string>();
            var file = TrainingCheckpoint.Latest(folder, rejected);
            foreach (var r in rejected) log?.Invoke($"passed over unreadable checkpoint {r}");
            if (file is null) throw new FileNotFoundException($"--resume: no readable checkpoint in '{folder}'.");
            step = Restore(file, model, ema.Model, opt, noise, order, normalization);
            lastCheckpoint = file.Path;
            log?.Invoke($"resumed from {file.Path} at step {step}");
        }

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
                lastCheckpoint = Save(folder, step, model, ema.Model, opt, noise, order, normalization);
                return new TrainingResult(step, false, lastCheckpoint, null, [], lastEval);
            }
            double lr = schedule.At(step);
            using (new GcPause())
            using (var scope = NewDisposeScope())
            {
                model.train();
                using var index = tensor(order.Next());
                var x = latents.index_select(0, index).to(_device);                      // [B, L, c]
                var y = _data.Labels.index_select(0, index).to(_device);                 // [B]
                var drop = rand([y.shape[0]], device: _device, generator: noise).lt(_config.ClassDropout);
                y = where(drop, full_like(y, model.NullClass), y);                       // label dropout for guidance
                var total = objective.Loss(model, x, y, noise);
                loss = total.item<float>();
                if (!double.IsFinite(loss))
                    throw new TrainingDivergedException(
                        $"The generator loss became {loss} at step {step + 1}. Training stopped; the last good checkpoint is " +
                        $"{lastCheckpoint ?? "none (no checkpoint yet)"} and nothing was written for this step. Lower the learning rate or check the latents.");
                opt.ZeroGrad();
                total.backward();
                terms["grad_norm"] = opt.ClipGradNorm(o.GradClip);
                opt.StepWith(lr);
                average.Update(step);
            }
            step++;
            itemsSinceLog += o.BatchSize;

            bool evalNow = false;
            if (step % o.LogEvery == 0 || step == o.Steps)
            {
                double rate = itemsSinceLog / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                var eta = TimeSpan.FromSeconds((o.Steps - step) * o.BatchSize / Math.Max(rate, 1e-9));
                var report = new TrainingProgress(step, o.Steps, loss, new Dictionary<string, double>(terms), rate, eta, lr, evalNow ? lastEval : null);
                progress?.Report(report);
                history.WriteLine(TrainingState.HistoryLine(report));
                history.Flush();
                clock.Restart();
                itemsSinceLog = 0;
            }
            if (step % o.CheckpointEvery == 0 || step == o.Steps)
                lastCheckpoint = Save(folder, step, model, ema.Model, opt, noise, order, normalization);
        }

        string export = Path.Combine(folder, "generator.safetensors");
        using (var cpu = new LatentGenerator(new DiT(_config), normalization, _data.ClassNames, _data.Tokenizer))
        {
            TrainingState.CopyWeights(cpu.Model, ema.Model);
            GeneratorFile.Save(cpu, export, new Dictionary<string, string>
            {
                ["train.steps"] = step.ToString(CultureInfo.InvariantCulture),
                ["train.options"] = o.ToJson(),
                ["train.latents"] = $"{_data.Count} latents from {_data.Origin}",
                ["train.metrics"] = lastEval is null ? "{}" : JsonSerializer.Serialize(lastEval),
            });
        }
        return new TrainingResult(step, true, lastCheckpoint, export, [], lastEval);
    }

    string Save(string folder, long step, DiT model, DiT ema, AdamW opt, Generator noise, LatentOrder order, LatentNormalization normalization)
    {
        using var scope = NewDisposeScope();
        var tensors = new List<(string, Tensor)>();
        tensors.AddRange(TrainingState.Prefixed("model.", model));
        tensors.AddRange(TrainingState.Prefixed("ema.", ema));
        tensors.AddRange(opt.State("opt"));
        tensors.Add(("rng.noise", noise.get_state()));
        var metadata = new Dictionary<string, string>
        {
            ["dit.config"] = _config.ToJson(),
            ["dit.normalization"] = normalization.ToJson(),
            ["train.options"] = _options.ToJson(),
            ["train.latents"] = _data.Count.ToString(CultureInfo.InvariantCulture),
            ["train.opt_step"] = opt.Step.ToString(CultureInfo.InvariantCulture),
            ["train.data_position"] = order.Position,
        };
        TrainingCheckpoint.Write(folder, step, tensors, metadata, _options.KeepCheckpoints);
        return TrainingCheckpoint.PathFor(folder, step);
    }

    long Restore(SafeTensorsFile file, DiT model, DiT ema, AdamW opt, Generator noise, LatentOrder order, LatentNormalization normalization)
    {
        if (!file.Metadata.TryGetValue("dit.config", out var json))
            throw new InvalidDataException($"Checkpoint '{file.Path}' is not a generator checkpoint (no 'dit.config').");
        var saved = DiTConfig.FromJson(json);
        if (saved.ToJson() != _config.ToJson())
            throw new InvalidDataException($"Checkpoint '{file.Path}' is for the generator {saved.ToJson()}, not for the requested {_config.ToJson()}.");
        if (file.Metadata.GetValueOrDefault("train.latents") != _data.Count.ToString(CultureInfo.InvariantCulture)
            || file.Metadata.GetValueOrDefault("dit.normalization") != normalization.ToJson())
            throw new InvalidDataException($"Checkpoint '{file.Path}' was trained on other latents ({file.Metadata.GetValueOrDefault("train.latents")} items) than the {_data.Count} from {_data.Origin}.");
        TrainingState.LoadPrefixed(file, "model.", model);
        TrainingState.LoadPrefixed(file, "ema.", ema);
        opt.Load(file.Read, "opt", long.Parse(file.Metadata["train.opt_step"], CultureInfo.InvariantCulture));
        using (var state = file.Read("rng.noise")) noise.set_state(state);
        order.Position = file.Metadata["train.data_position"];
        return long.Parse(file.Metadata["train.step"], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Batches of indices: each epoch a seeded permutation, consumed B at a time; a batch that runs past the end of
    /// an epoch continues into the next. Its position ("epoch:index") goes into checkpoints.
    /// </summary>
    sealed class LatentOrder(int count, int batchSize, int seed)
    {
        int _epoch, _index;
        int[] _permutation = ClipLoader.EpochOrder(count, seed, 0, shuffle: true);

        public string Position
        {
            get => $"{_epoch}:{_index}";
            set
            {
                var parts = value.Split(':');
                if (parts.Length != 2 || !int.TryParse(parts[0], out _epoch) || !int.TryParse(parts[1], out _index) || _index > count)
                    throw new InvalidDataException($"Checkpoint data position '{value}' is not 'epoch:index' within {count} latents.");
                _permutation = ClipLoader.EpochOrder(count, seed, _epoch, shuffle: true);
            }
        }

        public long[] Next()
        {
            var batch = new long[batchSize];
            for (int i = 0; i < batchSize; i++)
            {
                if (_index == count)
                {
                    _epoch++;
                    _index = 0;
                    _permutation = ClipLoader.EpochOrder(count, seed, _epoch, shuffle: true);
                }
                batch[i] = _permutation[_index++];
            }
            return batch;
        }
    }
}
