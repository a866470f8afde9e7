using System.CommandLine;
using ViTok.Models.Clips;
using ViTok.Models.Recipes;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok train`: the paper's two-stage tokenizer recipe on a SOURCE, resumable.</summary>
public sealed class TrainVerb : IVerb
{
    readonly VariantOptions _variant = new();
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _data = new("--data") { Description = "Training data. " + DataOptions.SourceHelp, Required = true };
    readonly Option<string?> _evalData = new("--eval-data") { Description = $"Held-out data for evaluation (default: the last {TokenizerTrainingRecipe.Defaults.HeldOutFraction:0.##%} of a seeded permutation of --data, which training then does not see)." };
    readonly Option<string> _out = new("--out") { Description = "Run folder: checkpoints, history.jsonl, tokenizer.safetensors.", Required = true };
    readonly SteppedTrainingOptionSet _training = new(new TokenizerTrainingOptions(), "Clips",
        "Peak learning rate (paper 1e-4 at batch 256; small CPU runs: ~1e-3).", "Seed of initialisation, data order and noise.");
    readonly Option<int> _stage = new("--stage") { Description = "1: MSE + KL + perceptual; 2: decoder fine-tuning with a GAN (needs --from).", DefaultValueFactory = _ => TokenizerTrainingOptions.Defaults.Stage };
    readonly Option<string?> _from = new("--from") { Description = "Stage 2: the stage-1 tokenizer file (tokenizer.safetensors) to start from." };
    readonly Option<bool> _bf16 = new("--bf16") { Description = "bfloat16 matrix products with fp32 weights (faster on AVX512-BF16 CPUs)." };
    readonly Option<double> _perceptual = new("--perceptual-weight") { Description = "ResNet18 perceptual loss weight (paper: 1.0; 0 turns it off).", DefaultValueFactory = _ => TokenizerTrainingOptions.Defaults.PerceptualWeight };
    readonly Option<double> _kl = new("--kl-weight") { Description = "KL weight beta.", DefaultValueFactory = _ => TokenizerTrainingOptions.Defaults.KlWeight };
    readonly Option<double> _l1 = new("--l1-weight") { Description = "L1 weight (the authors' code adds a small one).", DefaultValueFactory = _ => TokenizerTrainingOptions.Defaults.L1Weight };
    readonly Option<double> _gan = new("--gan-weight") { Description = "Stage 2 GAN weight.", DefaultValueFactory = _ => TokenizerTrainingOptions.Defaults.GanWeight };
    readonly Option<int> _evalEvery = new("--eval-every") { Description = "Steps between evaluations.", DefaultValueFactory = _ => TokenizerTrainingOptions.Defaults.EvalEvery };
    readonly Option<int> _evalItems = new("--eval-items") { Description = "Held-out clips per evaluation; 0 turns evaluation off (without --eval-data the held-out part of --data is still kept out of training, so the training data does not depend on this option).", DefaultValueFactory = _ => TokenizerTrainingOptions.Defaults.EvalItems };
    readonly Option<bool> _noFd = new("--no-fd") { Description = "Skip the FD-ResNet18 part of evaluation (faster)." };
    readonly Option<int> _workers = new("--workers") { Description = "Background decoding workers.", DefaultValueFactory = _ => TokenizerTrainingRecipe.Defaults.Workers };
    readonly Option<bool> _skipBad = SkippedFiles.Option();

    public Command Create()
    {
        var command = new Command("train", "Train a ViTok tokenizer (stage 1, or stage 2 with --stage 2 --from FILE).");
        _variant.AddTo(command);
        foreach (var o in new Option[] { _data, _evalData, _out, _stage, _from, _bf16, _perceptual, _kl, _l1, _gan, _evalEvery, _evalItems, _noFd, _workers, _skipBad })
            command.Options.Add(o);
        _training.AddTo(command);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        var config = _variant.Read(parse);
        string folder = OutputPaths.RequireFolder("--out", parse.GetValue(_out)!);
        bool resume = _training.Resume(parse);
        RunFolders.RequireNoRun("--out", folder, resume);     // before anything is read or written
        if (parse.GetValue(_evalItems) < 0) throw new UsageException($"--eval-items: {parse.GetValue(_evalItems)} must not be negative (0 turns evaluation off).");
        var options = _training.Apply(parse, new TokenizerTrainingOptions
        {
            Stage = parse.GetValue(_stage), Bf16 = parse.GetValue(_bf16), PerceptualWeight = parse.GetValue(_perceptual), KlWeight = parse.GetValue(_kl),
            L1Weight = parse.GetValue(_l1), GanWeight = parse.GetValue(_gan), EvalEvery = parse.GetValue(_evalEvery), EvalItems = parse.GetValue(_evalItems),
            SkipBadItems = parse.GetValue(_skipBad),
        });
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        bool evaluate = options.EvalItems > 0;
        string? evalText = parse.GetValue(_evalData);
        if (!evaluate && evalText is not null) throw new UsageException("--eval-data: not used with --eval-items 0 (no evaluation); drop one of them.");
        string? from = parse.GetValue(_from);
        if (options.Stage == 2 && from is null && !resume) throw new UsageException("--stage 2 needs --from (the stage-1 tokenizer file).");
        if (from is not null && !File.Exists(from)) throw new UsageException($"--from: tokenizer file '{from}' does not exist.");
        int workers = parse.GetValue(_workers);
        if (workers < 1) throw new UsageException($"--workers: {workers} must be at least 1.");

        var defaults = new ClipSourceDefaults(config.ImageSize, config.Frames, (int)options.Seed, SkipUndecodableNames: options.SkipBadItems);
        string dataText = parse.GetValue(_data)!;
        var source = DataOptions.Open("--data", dataText, defaults);
        var leftOut = DataOptions.LeftOut(source).ToList();
        IClipSource? evalSource = null;
        if (evalText is not null)
        {
            evalSource = DataOptions.Open("--eval-data", evalText, defaults with { Seed = (int)options.Seed + 1 });
            leftOut.AddRange(DataOptions.LeftOut(evalSource));
        }
        string heldOption = evalText is null ? "--data" : "--eval-data";
        DataOptions.CheckShape("--data", source, config.Frames, config.ImageSize, options.SkipBadItems);      // the data first: its parts have its shape
        if (evalSource is not null) DataOptions.CheckShape("--eval-data", evalSource, config.Frames, config.ImageSize, options.SkipBadItems);
        var device = TorchRuntime.Resolve(_compute.Read(parse));
        // The recipe (held-out split, data order, perceptual loss, evaluation) is the one ML.NET's TrainTokenizer runs.
        // The data a checkpoint was trained on: the SOURCE text in one spelling, what it opened to (path, count, sizes,
        // held-out part) and, for files, their fingerprint, so an image replaced or renamed before --resume is seen.
        using var recipe = Recipe(config, options, source, ClipSourceSpec.Parse(dataText).Canonical, device, evalSource, workers, !parse.GetValue(_noFd));
        var train = recipe.Train;
        var held = recipe.HeldOut;
        ReadHeldOut(heldOption, recipe);
        var evaluation = recipe.Evaluation;
        using var console = new TrainingConsole(context.Out);
        using var initial = from is null ? null : TokenizerFile.Load(from);
        if (initial is not null && initial.Config != config)
            throw new UsageException($"--from: '{from}' is {initial.Config.Variant} c={initial.Config.Channels} at {initial.Config.ImageSize}px; the options ask for {config.Variant} c={config.Channels} at {config.ImageSize}px.");

        context.Out.WriteLine($"training {config.Variant} c={config.Channels} E={config.BottleneckSize} ({TokenizerCost.Of(config).Total.ParamsM:F2} M params) stage {options.Stage} on {train.Description}; " +
                              (evaluation is null ? "no evaluation (--eval-items 0)" : $"evaluating on {evaluation.Count} clips of {held!.Description}") + $"; {(options.Bf16 ? "bf16" : "fp32")} on {device}");
        using var folderLock = RunFolderLock.Acquire(folder);   // held through the run (the trainer takes it again)
        RunFolders.RequireNoRun("--out", folder, resume);     // again under the lock: another run may have finished there meanwhile
        TrainingResult result;
        try
        {
            result = recipe.Run(folder, resume, initial, console, console.Log, console.Token);
        }
        catch (OperationCanceledException)
        {
            result = new TrainingResult(0, false, null, null, [], null);
        }
        SkippedFiles.Report(context.Out, [.. leftOut.Concat(recipe.Skipped(result)).Distinct(StringComparer.Ordinal)]);
        if (!result.Completed)
        {
            context.Out.WriteLine($"stopped at step {result.Step}; checkpoint {result.LastCheckpoint ?? "(none)"}. Continue with the same command and --resume.");
            return VitokApp.Failure;
        }
        context.Out.WriteLine($"done: {result.ExportedModel}" + (result.LastEvaluation is null ? "" : $" ({string.Join(", ", result.LastEvaluation.Select(e => $"{e.Key} {e.Value:F4}"))})"));
        return VitokApp.Success;
    }

    /// <summary>The recipe; options it refuses are usage errors naming the option.</summary>
    static TokenizerTrainingRecipe Recipe(ViTokConfig config, TokenizerTrainingOptions options, IClipSource source, string dataName, TorchSharp.torch.Device device,
        IClipSource? evalSource, int workers, bool fd)
    {
        try { return new TokenizerTrainingRecipe(config, options, source, dataName, device, evalSource, workers, fd); }
        catch (ArgumentException e) when (e.ParamName == nameof(TokenizerTrainingOptions.PerceptualWeight))
        {
            throw new UsageException($"--perceptual-weight: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}");
        }
    }

    /// <summary>Reads the held-out clips (and loads the networks) before training starts: an unreadable clip stops the run naming its file, unless skipped.</summary>
    static void ReadHeldOut(string option, TokenizerTrainingRecipe recipe)
    {
        try { recipe.Prepare(); }
        catch (BadItemException e) { throw DataOptions.BadFile(option, e); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{option}: {e.Message}", e); }
    }
}
