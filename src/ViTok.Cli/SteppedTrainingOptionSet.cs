using System.CommandLine;
using ViTok.Models.Training;

namespace ViTok.Cli;

/// <summary>
/// The options every training verb shares (--steps, --batch, --lr, --ema, --seed, --resume, --force-options,
/// --checkpoint-every, --log-every), with the defaults of that verb's trainer: made with the verb, added to its command
/// by <see cref="AddTo"/>, applied to its trainer's options by <see cref="Apply{T}"/>.
/// </summary>
/// <param name="defaults">The trainer's options with their defaults (their values are the options' defaults).</param>
/// <param name="item">What one training item is, for --batch ("Clips", "Latents").</param>
/// <param name="learningRate">The --lr description.</param>
/// <param name="seed">The --seed description.</param>
sealed class SteppedTrainingOptionSet(SteppedTrainingOptions defaults, string item, string learningRate, string seed)
{
    readonly Option<long> _steps = new("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => defaults.Steps };
    readonly Option<int> _batch = new("--batch") { Description = $"{item} per step.", DefaultValueFactory = _ => defaults.BatchSize };
    readonly Option<double> _lr = new("--lr") { Description = learningRate, DefaultValueFactory = _ => defaults.LearningRate };
    readonly Option<double> _ema = new("--ema") { Description = "EMA decay.", DefaultValueFactory = _ => defaults.EmaDecay };
    readonly Option<long> _seed = new("--seed") { Description = seed, DefaultValueFactory = _ => defaults.Seed };
    readonly Option<bool> _resume = new("--resume") { Description = "Continue from the newest checkpoint in --out." };
    readonly Option<bool> _forceOptions = new("--force-options") { Description = "With --resume: accept a checkpoint written with other options (seed, batch, learning rate...) or other --data, which is otherwise refused naming each change." };
    readonly Option<int> _checkpointEvery = new("--checkpoint-every") { Description = "Steps between checkpoints.", DefaultValueFactory = _ => defaults.CheckpointEvery };
    readonly Option<int> _logEvery = new("--log-every") { Description = "Steps between progress lines (and history.jsonl rows).", DefaultValueFactory = _ => defaults.LogEvery };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _steps, _batch, _lr, _ema, _seed, _resume, _forceOptions, _checkpointEvery, _logEvery })
            command.Options.Add(o);
    }

    /// <summary>Whether --resume was given.</summary>
    public bool Resume(ParseResult parse) => parse.GetValue(_resume);

    /// <summary><paramref name="options"/> with the values of these options from <paramref name="parse"/>.</summary>
    public T Apply<T>(ParseResult parse, T options) where T : SteppedTrainingOptions => (T)(options with
    {
        Steps = parse.GetValue(_steps), BatchSize = parse.GetValue(_batch), LearningRate = parse.GetValue(_lr), EmaDecay = parse.GetValue(_ema),
        Seed = parse.GetValue(_seed), CheckpointEvery = parse.GetValue(_checkpointEvery), LogEvery = parse.GetValue(_logEvery),
        ResumeWithChangedOptions = parse.GetValue(_forceOptions),
    });
}
