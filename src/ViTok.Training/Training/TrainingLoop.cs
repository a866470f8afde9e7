using System.Diagnostics;
using TorchSharp;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>What one trainer supplies to <see cref="TrainingLoop"/>: its step, its report, its evaluation, checkpoint and export.</summary>
interface ITrainingRun
{
    /// <summary>
    /// One optimiser step at learning rate <paramref name="lr"/>, run inside the loop's dispose scope.
    /// Returns the loss (a scalar on the device, which the loop guards against NaN without reading it) and the
    /// number of items the step trained on.
    /// </summary>
    (Tensor Loss, long Items) Step(long step, double lr);

    /// <summary>At a log step: the loss and terms to report, read from the device (the only reads per log interval).</summary>
    (double Loss, IReadOnlyDictionary<string, double> Terms) Report();

    /// <summary>Evaluates the model (EMA weights where there are any); null when the run has no evaluation.</summary>
    IReadOnlyDictionary<string, double>? Evaluate();

    /// <summary>Writes a checkpoint of the state after <paramref name="step"/> steps into <paramref name="folder"/>; returns its path.</summary>
    string Save(string folder, long step);

    /// <summary>Restores the state of a checkpoint; returns the step it was written after.</summary>
    long Restore(SafeTensorsFile file);

    /// <summary>Writes the trained model (the EMA weights where there are any) after the last step; returns its path, or null when nothing is written.</summary>
    string? Export(string? folder, long step, IReadOnlyDictionary<string, double>? evaluation);

    /// <summary>What the user can do when the loss diverges (ends the error message).</summary>
    string DivergenceAdvice { get; }
}

/// <summary>How often a <see cref="TrainingLoop"/> logs, evaluates and checkpoints (0: never).</summary>
readonly record struct TrainingCadence(long Steps, int LogEvery, int EvalEvery, int CheckpointEvery);

/// <summary>How a <see cref="TrainingLoop"/> run ended.</summary>
sealed record TrainingOutcome(long Step, bool Completed, string? LastCheckpoint, string? Exported, IReadOnlyDictionary<string, double>? LastEvaluation);

/// <summary>
/// The training loop every trainer shares (tokenizer, generator, classifier), each supplying its step
/// (<see cref="ITrainingRun"/>): resume from the newest readable checkpoint, one dispose scope per step,
/// a NaN guard kept on the device every step, loss values read from the device only at log steps (each read is a
/// device sync), log / evaluation / checkpoint cadence, history.jsonl, a checkpoint on cancellation, and the export
/// of the trained model at the end.
/// </summary>
sealed class TrainingLoop(TrainingCadence cadence, LearningRateSchedule schedule)
{
    /// <summary>
    /// Runs <paramref name="run"/> to <see cref="TrainingCadence.Steps"/>. With a <paramref name="folder"/>, history.jsonl and
    /// checkpoints are written there and cancellation saves a checkpoint and returns; without one, cancellation throws
    /// <see cref="OperationCanceledException"/> and nothing is written.
    /// </summary>
    public TrainingOutcome Run(ITrainingRun run, string? folder, bool resume, IProgress<TrainingProgress>? progress, Action<string>? log, CancellationToken cancel)
    {
        long step = 0;
        string? lastCheckpoint = null;
        if (resume)
        {
            if (folder is null) throw new ArgumentException("Resuming needs a run folder.", nameof(folder));
            var rejected = new List<string>();
            var file = TrainingCheckpoint.Latest(folder, rejected);
            foreach (var r in rejected) log?.Invoke($"passed over unreadable checkpoint {r}");
            if (file is null) throw new FileNotFoundException($"Nothing to resume: no readable checkpoint in '{folder}'.");
            step = run.Restore(file);
            lastCheckpoint = file.Path;
            log?.Invoke($"resumed from {file.Path} at step {step}");
            int dropped = TrainingHistory.KeepUpTo(folder, step);     // rows logged after that checkpoint are logged again
            if (dropped > 0) log?.Invoke($"{TrainingHistory.FileName}: dropped {dropped} line(s) written after step {step}, which this run writes again");
        }

        using var guard = new FiniteGuard();
        using var history = folder is null ? null : new StreamWriter(TrainingHistory.PathIn(folder), append: true);
        var clock = Stopwatch.StartNew();
        long itemsSinceLog = 0, stepsSinceLog = 0;
        IReadOnlyDictionary<string, double>? lastEval = null;

        string Checkpoint(long at)
        {
            guard.ThrowIfDiverged(lastCheckpoint, run.DivergenceAdvice);   // nothing is written after a non-finite loss
            return run.Save(folder!, at);
        }

        while (step < cadence.Steps)
        {
            if (cancel.IsCancellationRequested)
            {
                if (folder is null) cancel.ThrowIfCancellationRequested();
                lastCheckpoint = Checkpoint(step);
                return new TrainingOutcome(step, false, lastCheckpoint, null, lastEval);
            }
            double lr = schedule.At(step);
            using (NewDisposeScope())
            {
                var (loss, items) = run.Step(step, lr);
                guard.Check(loss, step);
                itemsSinceLog += items;
            }
            step++;
            stepsSinceLog++;

            bool evalStep = Every(cadence.EvalEvery, step);
            IReadOnlyDictionary<string, double>? evaluation = null;
            if (evalStep)
            {
                guard.ThrowIfDiverged(lastCheckpoint, run.DivergenceAdvice);
                evaluation = run.Evaluate();
                if (evaluation is not null) lastEval = evaluation;
            }
            if (Every(cadence.LogEvery, step) || evalStep)
            {
                guard.ThrowIfDiverged(lastCheckpoint, run.DivergenceAdvice);
                var (value, terms) = run.Report();
                double rate = itemsSinceLog / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                double itemsPerStep = (double)itemsSinceLog / stepsSinceLog;
                var eta = TimeSpan.FromSeconds((cadence.Steps - step) * itemsPerStep / Math.Max(rate, 1e-9));
                var report = new TrainingProgress(step, cadence.Steps, value, terms, rate, eta, lr, evaluation);
                progress?.Report(report);
                if (history is not null)
                {
                    history.WriteLine(TrainingState.HistoryLine(report));
                    history.Flush();
                }
                clock.Restart();
                itemsSinceLog = stepsSinceLog = 0;
            }
            if (folder is not null && Every(cadence.CheckpointEvery, step))
                lastCheckpoint = Checkpoint(step);
        }
        guard.ThrowIfDiverged(lastCheckpoint, run.DivergenceAdvice);
        return new TrainingOutcome(step, true, lastCheckpoint, run.Export(folder, step, lastEval), lastEval);

        bool Every(int interval, long at) => interval > 0 && at % interval == 0 || at == cadence.Steps;
    }

    /// <summary>
    /// Remembers, on the device, the first step whose loss was not finite and that loss; reading it is the only sync,
    /// done at log, evaluation and checkpoint steps and at the end.
    /// </summary>
    sealed class FiniteGuard : IDisposable
    {
        Tensor? _finite;         // bool scalar: every loss so far was finite
        Tensor? _firstBadStep;   // int64 scalar
        Tensor? _firstBadLoss;   // float32 scalar

        public void Check(Tensor loss, long step)
        {
            using var scope = NewDisposeScope();
            var value = loss.detach().to(ScalarType.Float32);
            if (_finite is null)
            {
                _finite = ones([], ScalarType.Bool, value.device).DetachFromDisposeScope();
                _firstBadStep = zeros([], ScalarType.Int64, value.device).DetachFromDisposeScope();
                _firstBadLoss = zeros([], ScalarType.Float32, value.device).DetachFromDisposeScope();
            }
            var first = value.isfinite().logical_not().logical_and(_finite);    // the first non-finite loss
            using (Scalar at = step.ToScalar()) _firstBadStep!.masked_fill_(first, at);
            _firstBadLoss!.copy_(where(first, value, _firstBadLoss));
            _finite.logical_and_(first.logical_not());
        }

        public void ThrowIfDiverged(string? lastCheckpoint, string advice)
        {
            if (_finite is null || _finite.item<bool>()) return;
            throw new TrainingDivergedException(
                $"The loss became {_firstBadLoss!.item<float>()} at step {_firstBadStep!.item<long>() + 1}. Training stopped; the last good checkpoint is " +
                $"{lastCheckpoint ?? "none (no checkpoint yet)"} and nothing was written after that step. {advice}");
        }

        public void Dispose()
        {
            _finite?.Dispose();
            _firstBadStep?.Dispose();
            _firstBadLoss?.Dispose();
        }
    }
}

/// <summary>The named scalars of the latest step, kept on the device until a log step reads them.</summary>
sealed class StepValues : IDisposable
{
    readonly Dictionary<string, Tensor> _values = [];

    /// <summary>Forgets the previous step's values.</summary>
    public void Clear()
    {
        foreach (var t in _values.Values) t.Dispose();
        _values.Clear();
    }

    /// <summary>Keeps a detached copy of <paramref name="value"/> (a scalar) under <paramref name="name"/>, outside the step's scope.</summary>
    public Tensor Set(string name, Tensor value)
    {
        if (_values.Remove(name, out var old)) old.Dispose();
        _values[name] = value.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
        return value;
    }

    /// <summary>Reads every value from the device (one sync per value): the one named "loss" and the other terms.</summary>
    public (double Loss, IReadOnlyDictionary<string, double> Terms) Report()
    {
        var terms = _values.ToDictionary(kv => kv.Key, kv => (double)kv.Value.item<float>());
        terms.Remove("loss", out double loss);
        return (loss, terms);
    }

    public void Dispose() => Clear();
}
