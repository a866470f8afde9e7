using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Clips;
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

    /// <summary>Runs until <see cref="SteppedTrainingOptions.Steps"/> or cancellation (which saves a checkpoint first).</summary>
    public TrainingResult Run(string folder, bool resume = false, IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        using var folderLock = RunFolderLock.Acquire(folder);    // one run per folder
        _log = log;
        var o = _options;
        random.manual_seed(o.Seed);
        using var run = new GeneratorRun(this);
        var loop = new TrainingLoop(new TrainingCadence(o.Steps, o.LogEvery, EvalEvery: 0, o.CheckpointEvery),
            new LearningRateSchedule(o.LearningRate, o.Steps, o.WarmupFraction, o.LearningRateFloor));
        var outcome = loop.Run(run, folder, resume, progress, log, cancel);
        return new TrainingResult(outcome.Step, outcome.Completed, outcome.LastCheckpoint, outcome.Exported, [], outcome.LastEvaluation);
    }

    /// <summary>One run's state (normalised latents, model, EMA generator, optimiser, noise, latent order) and its step.</summary>
    sealed class GeneratorRun : ITrainingRun, IDisposable
    {
        readonly GeneratorTrainer _trainer;
        readonly LatentNormalization _normalization;
        readonly Tensor _latents;                  // [N, L, c], CPU, normalised
        readonly DiT _model;
        readonly LatentGenerator _ema;
        readonly IDiffusionObjective _objective;
        readonly AdamW _opt;
        readonly ExponentialMovingAverage _average;
        readonly Generator _noise;
        readonly LatentOrder _order;
        readonly StepValues _values = new();

        public GeneratorRun(GeneratorTrainer trainer)
        {
            _trainer = trainer;
            var (o, config, data, device) = (trainer._options, trainer._config, trainer._data, trainer._device);
            _normalization = LatentNormalization.Measure(data.Latents);
            _latents = _normalization.Normalize(data.Latents);
            _model = new DiT(config);
            _ema = new LatentGenerator(new DiT(config), _normalization, data.ClassNames, data.Tokenizer);
            _model.to(device);
            _ema.Model.to(device);
            _objective = DiffusionObjectives.Create(config);
            _opt = new AdamW(_model.named_parameters().Select(p => (p.name, p.parameter)), o.Beta1, o.Beta2, o.WeightDecay);
            _average = new ExponentialMovingAverage(_model, _ema.Model, o.EmaDecay);
            _noise = new Generator((ulong)o.Seed + 1, device);
            _order = new LatentOrder(data.Count, o.BatchSize, (int)o.Seed);
        }

        public string DivergenceAdvice => "Lower the learning rate or check the latents.";

        public (Tensor Loss, long Items) Step(long step, double lr)
        {
            var (o, device) = (_trainer._options, _trainer._device);
            _model.train();
            _values.Clear();
            using var index = tensor(_order.Next());
            var x = _latents.index_select(0, index).to(device);                            // [B, L, c]
            var y = _trainer._data.Labels.index_select(0, index).to(device);               // [B]
            using Scalar dropout = _trainer._config.ClassDropout.ToScalar(), nullClass = _model.NullClass.ToScalar();
            var drop = rand([y.shape[0]], device: device, generator: _noise).lt(dropout);
            y = where(drop, full_like(y, nullClass), y);                                    // label dropout for guidance
            var total = _objective.Loss(_model, x, y, _noise);
            _opt.ZeroGrad();
            total.backward();
            _values.Set("grad_norm", _opt.ClipGradNorm(o.GradClip));
            _opt.StepWith(lr);
            _average.Update(step);
            _values.Set("loss", total);
            return (total, x.shape[0]);
        }

        public (double Loss, IReadOnlyDictionary<string, double> Terms) Report() => _values.Report();

        public IReadOnlyDictionary<string, double>? Evaluate() => null;

        public string Save(string folder, long step) => _trainer.Save(folder, step, _model, _ema.Model, _opt, _noise, _order, _normalization);

        public long Restore(SafeTensorsFile file) => _trainer.Restore(file, _model, _ema.Model, _opt, _noise, _order, _normalization);

        public string? Export(string? folder, long step, IReadOnlyDictionary<string, double>? evaluation)
        {
            var data = _trainer._data;
            string export = Path.Combine(folder!, "generator.safetensors");
            using var cpu = new LatentGenerator(new DiT(_trainer._config), _normalization, data.ClassNames, data.Tokenizer);
            TrainingState.CopyWeights(cpu.Model, _ema.Model);
            GeneratorFile.Save(cpu, export, new Dictionary<string, string>
            {
                ["train.steps"] = step.ToString(CultureInfo.InvariantCulture),
                ["train.options"] = _trainer._options.ToJson(),
                ["train.latents"] = $"{data.Count} latents from {data.Origin}",
                ["train.metrics"] = evaluation is null ? "{}" : JsonSerializer.Serialize(evaluation),
            });
            return export;
        }

        public void Dispose()
        {
            _values.Dispose();
            _noise.Dispose();
            _opt.Dispose();
            _ema.Dispose();
            _model.Dispose();
            _latents.Dispose();
        }
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
            [TrainingState.OptionsKey] = _options.ToJson(),
            [TrainingState.DataKey] = _data.Origin,
            ["train.latents"] = _data.Count.ToString(CultureInfo.InvariantCulture),
            ["train.opt_step"] = opt.Step.ToString(CultureInfo.InvariantCulture),
            ["train.data_position"] = order.Position,
        };
        TrainingCheckpoint.Write(folder, step, tensors, metadata, _options.KeepCheckpoints);
        return TrainingCheckpoint.PathFor(folder, step);
    }

    Action<string>? _log;

    long Restore(SafeTensorsFile file, DiT model, DiT ema, AdamW opt, Generator noise, LatentOrder order, LatentNormalization normalization)
    {
        if (!file.Metadata.TryGetValue("dit.config", out var json))
            throw new InvalidDataException($"Checkpoint '{file.Path}' is not a generator checkpoint (no 'dit.config').");
        var saved = DiTConfig.FromJson(json);
        if (saved.ToJson() != _config.ToJson())
            throw new InvalidDataException($"Checkpoint '{file.Path}' is for the generator {saved.ToJson()}, not for the requested {_config.ToJson()}.");
        TrainingState.CheckResumed(file, _options.ToJson(), _options.MayChangeOnResume, _data.Origin, _options.ResumeWithChangedOptions, _log);
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
