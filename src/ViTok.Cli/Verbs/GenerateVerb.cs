using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Clips;
using ViTok.Models.Generation;
using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Recipes;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok generate`: class-conditional samples from a generator, decoded by its tokenizer, written as images (or clips, <see cref="ClipFiles"/>) and a grid.</summary>
public sealed class GenerateVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _model = new("--model") { Description = "Generator file (.safetensors, from vitok train-generator).", Required = true };
    readonly Option<string> _tokenizer = new("--tokenizer") { Description = "The tokenizer the generator was trained on (decodes the latents).", Required = true };
    readonly Option<string> _class = new("--class") { Description = "Class to draw: an index, a name, a comma-separated list, or 'all'.", DefaultValueFactory = _ => "all" };
    readonly Option<int> _count = new("--count") { Description = "Samples per class.", DefaultValueFactory = _ => 8 };
    readonly Option<string> _cfg = new("--cfg") { Description = "Classifier-free guidance scale, from 0 (the unconditional model) to 100 (1 = the conditional model alone); a comma-separated list draws one set per value.", DefaultValueFactory = _ => SamplingOptions.Defaults.GuidanceScale.ToString(CultureInfo.InvariantCulture) };
    readonly Option<string?> _guidanceInterval = new("--guidance-interval") { Description = "FROM,TO: apply guidance only at noise levels in [FROM, TO] (0 = data, 1 = pure noise; a flow step's t, a DDPM timestep over the last one); other steps take one model pass instead of two. Default 0,1 (every step)." };
    readonly Option<string?> _sampler = new("--sampler") { Description = "ddpm or ddim (DDPM generators; default ddim), euler or heun (flow-matching generators; default heun); a list draws one set per sampler." };
    readonly Option<string?> _steps = new("--steps") { Description = "Sampling steps (default: the sampler's, " + string.Join(", ", Enum.GetValues<Sampler>().Select(s => $"{SamplerName(s)} {SamplingOptions.Defaults.StepsFor(s)}")) + "; heun evaluates the model twice a step); a list draws one set per count." };
    readonly Option<string?> _evaluate = new("--evaluate") { Description = "Reference SOURCE (e.g. \"fashion-mnist?split=test\"): measure each set's FD-ResNet18 against it (and IS, FD and class accuracy with --classifier); for clips, the FVD-proxy (and class accuracy with a classifier of single frames, probabilities averaged over a clip's frames)." };
    readonly Option<string?> _classifier = new("--classifier") { Description = "With --evaluate: an image-classifier file, or 'fmnist' for the shipped Fashion-MNIST classifier." };
    readonly Option<int?> _fdCount = new("--fd-count") { Description = "With --evaluate: images per side for FD-ResNet18 (the first of the reference, an evenly spaced subset of each set; default all); for clips, the reference clips for the FVD-proxy (the first ones; default all). ResNet18 at 224x224 is slow on a CPU." };
    readonly Option<bool> _noFd = new("--no-fd") { Description = "With --evaluate: skip FD-ResNet18 and the FVD-proxy (ResNet18 at 224x224 is the slow part of evaluation on a CPU)." };
    readonly Option<bool> _noImages = new("--no-images") { Description = "Write only the grid and samples.json, not an image (or clip) file per sample." };
    readonly Option<ClipFormat> _clipFormat = new("--clip-format") { Description = "Generators of clips (a tokenizer of more than one frame): write each sample as gif, mp4 (encoded by ffmpeg) or both; the grid is grid.gif.", DefaultValueFactory = _ => ClipFiles.Defaults.Format };
    readonly Option<long> _seed = new("--seed") { Description = "Seed: sample i of every class starts from the noise of (seed, i), whatever the batch size.", DefaultValueFactory = _ => SamplingOptions.Defaults.Seed };
    readonly Option<int> _batch = new("--batch") { Description = "Samples per sampling pass (a pass never mixes classes).", DefaultValueFactory = _ => GenerationRecipe.Defaults.BatchSize };
    readonly Option<bool> _saveLatents = new("--save-latents") { Description = "Also write each set's sampled latents, before decoding, as latents.safetensors (class-major, with their labels; the format of train-generator's latent cache)." };
    readonly Option<string> _out = new("--out") { Description = "Output folder: grid.png (a row per class), CLASS/NNNNN.png, samples.json; clips: grid.gif, CLASS/NNNNN.gif and/or .mp4.", Required = true };

    public Command Create()
    {
        var command = new Command("generate", "Draw class-conditional samples with a generator and its tokenizer; write the images and a grid.");
        foreach (var o in new Option[] { _model, _tokenizer, _class, _count, _cfg, _guidanceInterval, _sampler, _steps, _seed, _batch, _out, _evaluate, _classifier, _fdCount, _noFd, _noImages, _clipFormat, _saveLatents }) command.Options.Add(o);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string folder = OutputPaths.RequireFolder("--out", parse.GetValue(_out)!);
        string modelPath = parse.GetValue(_model)!, tokenizerPath = parse.GetValue(_tokenizer)!;
        if (!File.Exists(modelPath)) throw new UsageException($"--model: generator file '{modelPath}' does not exist.");
        if (!File.Exists(tokenizerPath)) throw new UsageException($"--tokenizer: tokenizer file '{tokenizerPath}' does not exist.");
        int count = parse.GetValue(_count), batch = parse.GetValue(_batch);
        if (count < 1) throw new UsageException($"--count: {count} must be at least 1.");
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        Scales(parse.GetValue(_cfg)!);                          // checked before any file is read
        string classText = parse.GetValue(_class)!;
        if (!classText.Equals("all", StringComparison.OrdinalIgnoreCase) && List(classText).Length == 0)
            throw new UsageException($"--class: '{classText}' names no class; give an index, a name, a comma-separated list of them, or 'all'.");
        var device = TorchRuntime.Resolve(_compute.Read(parse));
        using var generator = GeneratorFile.Load(modelPath, device);
        var tokenizerConfig = TokenizerFile.ReadConfig(tokenizerPath);
        if (tokenizerConfig != generator.Tokenizer)
            throw new UsageException($"--tokenizer: '{tokenizerPath}' is {tokenizerConfig.Variant} c={tokenizerConfig.Channels} at {tokenizerConfig.ImageSize}px; " +
                                     $"the generator was trained on the latents of {generator.Tokenizer.Variant} c={generator.Tokenizer.Channels} at {generator.Tokenizer.ImageSize}px.");
        bool makesClips = tokenizerConfig.Frames > 1;
        if (!makesClips && parse.GetResult(_clipFormat) is { Implicit: false })
            throw new UsageException($"--clip-format: '{tokenizerPath}' makes single images (1 frame); clip formats apply to tokenizers of more than one frame.");
        var clipFiles = makesClips ? new ClipFiles(parse.GetValue(_noImages) ? ClipFormat.Gif : parse.GetValue(_clipFormat), "--clip-format") : null;
        var settings = Sampling(parse, generator);
        int[] classes = Classes(classText, generator);
        using var evaluation = Evaluation(parse, generator, device);
        using var tokenizer = TokenizerFile.Load(tokenizerPath, device);
        Directory.CreateDirectory(folder);
        var report = new List<Dictionary<string, object>>();
        foreach (var options in settings)
        {
            string setFolder = settings.Count == 1 ? folder : Path.Combine(folder, $"{SamplerName(options.Sampler)}-{options.Steps}-cfg{options.GuidanceScale:0.###}");
            var entry = Draw(generator, tokenizer, options, classes, count, batch, setFolder, !parse.GetValue(_noImages), clipFiles, evaluation, parse.GetValue(_saveLatents), context);
            entry["generator"] = modelPath;
            entry["tokenizer"] = tokenizerPath;
            report.Add(entry);
        }
        string manifestPath = Path.Combine(folder, "samples.json");
        AtomicFile.WriteAllText(manifestPath, settings.Count == 1 ? JsonSerializer.Serialize(report[0], Indented) : JsonSerializer.Serialize(report, Indented));
        if (evaluation is GeneratedClipEvaluation clipEvaluation)
        {
            context.Out.WriteLine();
            context.Out.WriteLine($"{count * classes.Length} clips per set against {clipEvaluation.ReferenceCount} clips of {clipEvaluation.ReferenceDescription} (FVD-proxy: ResNet18 features of every frame at 224x224, see docs/metrics.md):");
            context.Out.WriteLine($"{"sampler",-8} {"steps",5} {"cfg",5} {"FVD-proxy",10} {"class acc",10}");
            foreach (var r in report)
                context.Out.WriteLine($"{r["sampler"],-8} {r["steps"],5} {r["cfg"],5} {Value(r, "fvd_proxy", "F2"),10} {Value(r, "class_accuracy", "P1"),10}");
        }
        else if (evaluation is GeneratedSetEvaluation imageEvaluation)
        {
            context.Out.WriteLine();
            context.Out.WriteLine($"{count * classes.Length} samples per set against {imageEvaluation.ReferenceCount} items of {imageEvaluation.ReferenceDescription} (FD-ResNet18: ResNet18 pooled features at 224x224 of {imageEvaluation.NetworkCount} images per side):");
            context.Out.WriteLine($"{"sampler",-8} {"steps",5} {"cfg",5} {"FD-ResNet18",12} {"IS",7} {"FD-clf",8} {"class acc",10}");
            foreach (var r in report)
                context.Out.WriteLine($"{r["sampler"],-8} {r["steps"],5} {r["cfg"],5} {Value(r, "fd_resnet18", "F2"),12} {Value(r, "is", "F2"),7} {Value(r, "fd_classifier", "F2"),8} {Value(r, "class_accuracy", "P1"),10}");
        }
        context.Out.WriteLine($"samples.json: {manifestPath}");
        return VitokApp.Success;
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    static string Value(Dictionary<string, object> r, string key, string format) => r.TryGetValue(key, out var v) && v is double d ? d.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "-";

    /// <summary>Draws one set: count samples of each class, written per class and as a grid (a row per class); measured when asked.
    /// Clips (more than one frame) are written by <paramref name="clipFiles"/>. The passes and the sampling are the recipe's
    /// (<see cref="GenerationRecipe"/>), as GenerateLatents draws them.</summary>
    static Dictionary<string, object> Draw(LatentGenerator generator, ViTokAutoEncoder tokenizer, SamplingOptions options, int[] classes, int count, int batch,
        string folder, bool writeImages, ClipFiles? clipFiles, IGeneratedEvaluation? evaluation, bool saveLatents, VerbContext context)
    {
        Directory.CreateDirectory(folder);
        context.Out.WriteLine($"drawing {count} sample(s) of {classes.Length} class(es) with {options.Sampler}, {options.Steps} steps, guidance {options.GuidanceScale}{(options.GuidanceFrom > 0 || options.GuidanceTo < 1 ? $" at noise levels [{options.GuidanceFrom}, {options.GuidanceTo}]" : "")}, seed {options.Seed}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var gridRows = classes.Select(_ => new List<Tensor>()).ToList();
        using var keep = NewDisposeScope();
        var samples = new List<Tensor>();
        var latents = new List<Tensor>();
        var requested = new List<int>();
        foreach (var pass in GenerationRecipe.Passes(classes, count, batch, options.Seed))
        {
            using var scope = NewDisposeScope();
            int k = pass.Class, first = pass.First, n = pass.Count;
            string classFolder = Path.Combine(folder, FolderName(generator.ClassNames[k]));
            if (writeImages) Directory.CreateDirectory(classFolder);
            var row = gridRows[Array.IndexOf(classes, k)];
            var z = GenerationRecipe.Sample(generator, pass, options);                       // [n, L, c]
            if (saveLatents) latents.Add(z.cpu().MoveToOuterDisposeScope());
            var clips = generator.Decode(tokenizer, z).cpu();                                  // [n, 3, T, H, W]
            for (int i = 0; i < n && writeImages; i++)
                if (clipFiles is not null) clipFiles.Save(clips[i], Path.Combine(classFolder, $"{first + i:D5}"));
                else ImageFiles.Save(clips[i, .., 0], Path.Combine(classFolder, $"{first + i:D5}.png"));
            for (int i = 0; i < n && row.Count < 10; i++) row.Add((clipFiles is not null ? clips[i] : clips[i, .., 0]).MoveToOuterDisposeScope());
            if (evaluation is not null || saveLatents) requested.AddRange(Enumerable.Repeat(k, n));
            if (evaluation is not null) samples.Add(clips.MoveToOuterDisposeScope());
        }
        if (saveLatents)
        {
            using var all = cat(latents, 0);
            using var labels = tensor(requested.Select(k => (long)k).ToArray());
            using var set = new LatentSet(all, labels, generator.ClassNames, generator.Tokenizer,
                $"generated: {SamplerName(options.Sampler)}, {options.Steps} steps, guidance {options.GuidanceScale}, seed {options.Seed}, {count} per class");
            set.Save(Path.Combine(folder, "latents.safetensors"));
        }
        string gridPath = Path.Combine(folder, clipFiles is not null ? "grid.gif" : "grid.png");
        if (clipFiles is not null) ClipFiles.SaveGrid(gridRows, gridPath);
        else ImageGrid.Save(gridRows, gridPath);
        double seconds = clock.Elapsed.TotalSeconds;
        context.Out.WriteLine($"  {count * classes.Length} sample(s) in {seconds:F1} s ({count * classes.Length / seconds:F1}/s); grid (a row per class): {gridPath}");
        var entry = new Dictionary<string, object>
        {
            ["classes"] = classes.Select(k => generator.ClassNames[k]).ToArray(), ["count_per_class"] = count,
            ["sampler"] = SamplerName(options.Sampler), ["steps"] = options.Steps, ["cfg"] = options.GuidanceScale,
            ["guidance_interval"] = new[] { options.GuidanceFrom, options.GuidanceTo }, ["seed"] = options.Seed,
            ["seconds"] = Math.Round(seconds, 1), ["folder"] = folder,
        };
        if (evaluation is not null)
        {
            using var drawn = cat(samples, 0);
            // Class accuracy only when the classifier knows the generator's classes by the same names in the same order.
            bool sameClasses = evaluation.ClassifierClasses.SequenceEqual(generator.ClassNames, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in evaluation.Evaluate(drawn, sameClasses ? requested : null)) entry[key] = value;
            context.Out.WriteLine("  " + string.Join(", ", entry.Where(e => e.Value is double && e.Key != "cfg" && e.Key != "seconds").Select(e => $"{e.Key} {(double)e.Value:F4}")));
        }
        return entry;
    }

    IGeneratedEvaluation? Evaluation(ParseResult parse, LatentGenerator generator, Device device)
    {
        string? reference = parse.GetValue(_evaluate), classifierPath = parse.GetValue(_classifier);
        if (reference is null)
        {
            if (classifierPath is not null) throw new UsageException("--classifier: only used with --evaluate SOURCE.");
            return null;
        }
        var config = generator.Tokenizer;
        var source = DataOptions.Open("--evaluate", reference, new ClipSourceDefaults(config.ImageSize, config.Frames));
        DataOptions.CheckShape("--evaluate", source, config.Frames, config.ImageSize);
        if (classifierPath is "fmnist") classifierPath = Bundled.Require(Bundled.FashionMnistClassifier);
        if (classifierPath is not null && !File.Exists(classifierPath)) throw new UsageException($"--classifier: file '{classifierPath}' does not exist.");
        if (parse.GetValue(_noFd) && classifierPath is null) throw new UsageException("--no-fd: with nothing else to measure, give --classifier.");
        var network = parse.GetValue(_noFd) ? null : FeatureNetwork.ResNet18();
        network?.to(device);
        var classifier = classifierPath is null ? null : ImageClassifierFile.Load(classifierPath, device);
        int? fdCount = parse.GetValue(_fdCount);
        if (fdCount is < 2) throw new UsageException($"--fd-count: {fdCount} must be at least 2.");
        return config.Frames > 1
            ? new GeneratedClipEvaluation(source, network, classifier, count: fdCount)
            : new GeneratedSetEvaluation(source, network, classifier, networkCount: fdCount);
    }

    /// <summary>The largest --cfg accepted: far above any useful scale (1-10), and finite results stay in range.</summary>
    public const double MaxGuidance = 100;

    /// <summary>A sampler's --sampler name (ddpm, ddim, euler, heun).</summary>
    static string SamplerName(Sampler sampler) => sampler.ToString().ToLowerInvariant();

    static string[] List(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The --cfg values: finite numbers in [0, <see cref="MaxGuidance"/>] (1e30 drew black images with exit 0).</summary>
    static double[] Scales(string text) => List(text).Select(t =>
    {
        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v))
            throw new UsageException($"--cfg: '{t}' is not a number.");
        if (!double.IsFinite(v) || v < 0 || v > MaxGuidance)
            throw new UsageException($"--cfg: {t} is outside 0..{MaxGuidance} (0 = the unconditional model, 1 = the conditional model alone; useful scales are about 1 to 10).");
        return v;
    }).ToArray();

    List<SamplingOptions> Sampling(ParseResult parse, LatentGenerator generator)
    {
        Sampler?[] samplers = parse.GetValue(_sampler) is { } samplerText ? List(samplerText).Select(name => (Sampler?)(
                Enum.GetValues<Sampler>().Where(s => SamplerName(s) == name).Select(s => (Sampler?)s).FirstOrDefault()
                ?? throw new UsageException($"--sampler: '{name}' is not valid; use ddpm, ddim, euler or heun."))).ToArray()
            : [null];                                                          // the generator's own (GenerationRecipe.Sampling)
        int?[] steps = parse.GetValue(_steps) is { } stepsText
            ? List(stepsText).Select(t => int.TryParse(t, out int v) ? v : throw new UsageException($"--steps: '{t}' is not a whole number.")).Select(v => (int?)v).ToArray()
            : [null];
        double[] scales = Scales(parse.GetValue(_cfg)!);
        if (samplers.Length == 0 || steps.Length == 0 || scales.Length == 0) throw new UsageException("--sampler/--steps/--cfg: a list is empty.");
        (double from, double to) = (SamplingOptions.Defaults.GuidanceFrom, SamplingOptions.Defaults.GuidanceTo);
        if (parse.GetValue(_guidanceInterval) is { } interval)
        {
            var ends = List(interval).Select(t => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)
                ? v : throw new UsageException($"--guidance-interval: '{t}' is not a number.")).ToArray();
            if (ends.Length != 2) throw new UsageException($"--guidance-interval: expected FROM,TO (two numbers), got '{interval}'.");
            (from, to) = (ends[0], ends[1]);
        }
        var settings = new List<SamplingOptions>();
        foreach (var sampler in samplers)
            foreach (var n in steps)
                foreach (var scale in scales)
                {
                    try { settings.Add(GenerationRecipe.Sampling(generator.Objective, sampler, n, scale, from, to, seed: parse.GetValue(_seed))); }
                    catch (ArgumentException e) { throw new UsageException($"--sampler/--steps/--cfg/--guidance-interval: {e.Message}"); }
                }
        return settings;
    }

    static int[] Classes(string text, LatentGenerator generator)
    {
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase)) return Enumerable.Range(0, generator.ClassNames.Count).ToArray();
        try { return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(generator.ClassIndex).Distinct().ToArray(); }
        catch (ArgumentException e) { throw new UsageException($"--class: {e.Message}"); }
    }

    /// <summary>A class name as a folder name: characters a file system refuses become '_'.</summary>
    static string FolderName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(name.Select(c => invalid.Contains(c) || c == ' ' ? '_' : c).ToArray());
    }
}
