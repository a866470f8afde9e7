using System.CommandLine;
using ViTok.Models.Clips;
using ViTok.Models.Generation;
using ViTok.Models.Recipes;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok train-generator`: encodes a labelled SOURCE once with the tokenizer (latents cached in the run folder), then
/// trains a class-conditional DiT on the cached latents; resumable.
/// </summary>
public sealed class TrainGeneratorVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _tokenizer = new("--tokenizer") { Description = "The tokenizer whose latents the generator learns (a tokenizer .safetensors file).", Required = true };
    readonly Option<string> _data = new("--data") { Description = "Labelled training data. " + DataOptions.SourceHelp, Required = true };
    readonly Option<string> _out = new("--out") { Description = "Run folder: latents.safetensors (the cache), checkpoints, history.jsonl, generator.safetensors.", Required = true };
    readonly Option<string> _size = new("--size") { Description = "DiT size: N, T (CPU sizes), S, B, L, XL (DiT paper).", DefaultValueFactory = _ => DiTConfig.Defaults.Size };
    readonly Option<string> _objective = new("--objective") { Description = "ddpm (the paper's: noise prediction, learned variance, 1000 steps) or flow (flow matching, velocity).", DefaultValueFactory = _ => ObjectiveName(DiTConfig.Defaults.Objective) };
    readonly SteppedTrainingOptionSet _training = new(new GeneratorTrainingOptions(), "Latents",
        "Peak learning rate (DiT: 1e-4, constant).", "Seed of initialisation, latent order and noise.");
    readonly Option<double> _warmup = new("--warmup") { Description = "Warm-up as a fraction of the steps (DiT: 0).", DefaultValueFactory = _ => GeneratorTrainingOptions.Defaults.WarmupFraction };
    readonly Option<double> _floor = new("--lr-floor") { Description = "Cosine decay to this fraction of the peak; 1 keeps it constant (DiT).", DefaultValueFactory = _ => GeneratorTrainingOptions.Defaults.LearningRateFloor };
    readonly Option<double> _dropout = new("--class-dropout") { Description = "Probability of training on the null class (classifier-free guidance).", DefaultValueFactory = _ => DiTConfig.Defaults.ClassDropout };
    readonly Option<int> _workers = new("--workers") { Description = "Background decoding workers while the latents are computed.", DefaultValueFactory = _ => GeneratorTrainingRecipe.Defaults.Workers };

    public Command Create()
    {
        var command = new Command("train-generator", "Train a class-conditional DiT on a tokenizer's latents (computed once and cached in --out).");
        foreach (var o in new Option[] { _tokenizer, _data, _out, _size, _objective, _warmup, _floor, _dropout, _workers })
            command.Options.Add(o);
        _training.AddTo(command);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string tokenizerPath = parse.GetValue(_tokenizer)!;
        string folder = OutputPaths.RequireFolder("--out", parse.GetValue(_out)!);
        bool resume = _training.Resume(parse);
        RunFolders.RequireNoRun("--out", folder, resume);     // before anything is read or written
        if (!File.Exists(tokenizerPath)) throw new UsageException($"--tokenizer: file '{tokenizerPath}' does not exist.");
        var objective = parse.GetValue(_objective) switch
        {
            var name when name == ObjectiveName(DiffusionObjective.Ddpm) => DiffusionObjective.Ddpm,
            var name when name == ObjectiveName(DiffusionObjective.FlowMatching) => DiffusionObjective.FlowMatching,
            var other => throw new UsageException($"--objective: '{other}' is not valid; use ddpm or flow."),
        };
        var options = _training.Apply(parse, new GeneratorTrainingOptions
        {
            WarmupFraction = parse.GetValue(_warmup), LearningRateFloor = parse.GetValue(_floor),
        });
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        int workers = parse.GetValue(_workers);
        if (workers < 1) throw new UsageException($"--workers: {workers} must be at least 1.");
        var tokenizerConfig = TokenizerFile.ReadConfig(tokenizerPath);
        var source = DataOptions.Open("--data", parse.GetValue(_data)!, new ClipSourceDefaults(tokenizerConfig.ImageSize, tokenizerConfig.Frames, (int)options.Seed));
        if (source.ClassNames.Count == 0)
            throw new UsageException($"--data: {source.Description} has no class labels; the generator is class-conditional (use fashion-mnist, a folder of class subfolders, or synthetic shapes).");
        DataOptions.CheckShape("--data", source, tokenizerConfig.Frames, tokenizerConfig.ImageSize);
        DiTConfig config;
        try { config = GeneratorTrainingRecipe.Config(tokenizerConfig, parse.GetValue(_size)!, source.ClassNames.Count, objective, parse.GetValue(_dropout)); }
        catch (ArgumentException e) { throw new UsageException($"--size/--class-dropout: {e.Message}"); }

        var device = TorchRuntime.Resolve(_compute.Read(parse));
        using var folderLock = RunFolderLock.Acquire(folder);   // before the latent cache is written: one run per folder
        RunFolders.RequireNoRun("--out", folder, resume);     // again under the lock: another run may have finished there meanwhile
        using var console = new TrainingConsole(context.Out);
        using var latents = CachedLatents(folder, tokenizerPath, source, device, workers, context, console.Token);
        var cost = DiTCost.Of(config);
        context.Out.WriteLine($"training DiT-{config.Size.Name} ({cost.ParamsM:F2} M params, {cost.GFlops:F3} G multiply-adds per sample) with {objective} " +
                              $"on {latents.Count} latents [{config.Tokens} x {config.Channels}] of {latents.Origin}, {config.Classes} classes, on {device}");
        TrainingResult result;
        try
        {
            result = GeneratorTrainingRecipe.Run(config, options, latents, device, folder, resume, console, console.Log, console.Token);
        }
        catch (OperationCanceledException)
        {
            result = new TrainingResult(0, false, null, null, [], null);
        }
        if (!result.Completed)
        {
            context.Out.WriteLine($"stopped at step {result.Step}; checkpoint {result.LastCheckpoint ?? "(none)"}. Continue with the same command and --resume.");
            return VitokApp.Failure;
        }
        context.Out.WriteLine($"done: {result.ExportedModel}");
        return VitokApp.Success;
    }

    /// <summary>The --objective name of an objective.</summary>
    static string ObjectiveName(DiffusionObjective objective) => objective == DiffusionObjective.Ddpm ? "ddpm" : "flow";

    /// <summary>The recipe's latent cache (<see cref="GeneratorTrainingRecipe.CachedLatents"/>), its progress on the console and a cache of other latents a usage error of --out.</summary>
    static LatentSet CachedLatents(string folder, string tokenizerPath, IClipSource source, TorchSharp.torch.Device device, int workers,
        VerbContext context, CancellationToken cancel)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int lastReport = 0;
        var progress = new InlineProgress<int>(done =>
        {
            if (done - lastReport < 10_000 && done != source.Count) return;
            lastReport = done;
            context.Out.WriteLine($"  encoded {done}/{source.Count} ({done / clock.Elapsed.TotalSeconds:F0} items/s)");
        });
        try { return GeneratorTrainingRecipe.CachedLatents(folder, tokenizerPath, source, device, workers, context.Out.WriteLine, progress, cancel); }
        catch (GeneratorTrainingRecipe.OtherLatentsException e) { throw new UsageException($"--out: {e.Message}"); }
    }
}
