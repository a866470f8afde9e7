using System.CommandLine;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Data;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok generate`: class-conditional samples from a generator, decoded by its tokenizer, written as images and a grid.</summary>
public sealed class GenerateVerb : IVerb
{
    Func<ParseResult, ComputeOptions> _compute = null!;
    readonly Option<string> _model = new("--model") { Description = "Generator file (.safetensors, from vitok train-generator).", Required = true };
    readonly Option<string> _tokenizer = new("--tokenizer") { Description = "The tokenizer the generator was trained on (decodes the latents).", Required = true };
    readonly Option<string> _class = new("--class") { Description = "Class to draw: an index, a name, a comma-separated list, or 'all'.", DefaultValueFactory = _ => "all" };
    readonly Option<int> _count = new("--count") { Description = "Samples per class.", DefaultValueFactory = _ => 8 };
    readonly Option<double> _cfg = new("--cfg") { Description = "Classifier-free guidance scale (1 = the conditional model alone).", DefaultValueFactory = _ => 4.0 };
    readonly Option<string?> _sampler = new("--sampler") { Description = "ddpm or ddim (DDPM generators; default ddim), euler or heun (flow-matching generators; default heun)." };
    readonly Option<int?> _steps = new("--steps") { Description = "Sampling steps (default: ddpm 250, ddim 50, euler 50, heun 25; heun evaluates the model twice a step)." };
    readonly Option<long> _seed = new("--seed") { Description = "Seed: sample i of every class starts from the noise of (seed, i), whatever the batch size.", DefaultValueFactory = _ => 0 };
    readonly Option<int> _batch = new("--batch") { Description = "Samples per sampling pass.", DefaultValueFactory = _ => 250 };
    readonly Option<string> _out = new("--out") { Description = "Output folder: grid.png (a row per class), CLASS/NNNNN.png, samples.json.", Required = true };

    public Command Create()
    {
        var command = new Command("generate", "Draw class-conditional samples with a generator and its tokenizer; write the images and a grid.");
        foreach (var o in new Option[] { _model, _tokenizer, _class, _count, _cfg, _sampler, _steps, _seed, _batch, _out }) command.Options.Add(o);
        _compute = GlobalOptions.AddCompute(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string modelPath = parse.GetValue(_model)!, tokenizerPath = parse.GetValue(_tokenizer)!;
        if (!File.Exists(modelPath)) throw new UsageException($"--model: generator file '{modelPath}' does not exist.");
        if (!File.Exists(tokenizerPath)) throw new UsageException($"--tokenizer: tokenizer file '{tokenizerPath}' does not exist.");
        int count = parse.GetValue(_count), batch = parse.GetValue(_batch);
        if (count < 1) throw new UsageException($"--count: {count} must be at least 1.");
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        var device = TorchRuntime.Resolve(_compute(parse));
        using var generator = GeneratorFile.Load(modelPath, device);
        var tokenizerConfig = TokenizerFile.ReadConfig(tokenizerPath);
        if (tokenizerConfig != generator.Tokenizer)
            throw new UsageException($"--tokenizer: '{tokenizerPath}' is {tokenizerConfig.Variant} c={tokenizerConfig.Channels} at {tokenizerConfig.ImageSize}px; " +
                                     $"the generator was trained on the latents of {generator.Tokenizer.Variant} c={generator.Tokenizer.Channels} at {generator.Tokenizer.ImageSize}px.");
        var options = Sampling(parse, generator);
        int[] classes = Classes(parse.GetValue(_class)!, generator);
        using var tokenizer = TokenizerFile.Load(tokenizerPath, device);

        string folder = parse.GetValue(_out)!;
        Directory.CreateDirectory(folder);
        context.Out.WriteLine($"drawing {count} sample(s) of {classes.Length} class(es) with {options.Sampler}, {options.Steps} steps, guidance {options.GuidanceScale}, seed {options.Seed} on {device}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var gridRows = new List<IReadOnlyList<Tensor>>();
        using var gridScope = NewDisposeScope();
        foreach (int k in classes)
        {
            string classFolder = Path.Combine(folder, FolderName(generator.ClassNames[k]));
            Directory.CreateDirectory(classFolder);
            var row = new List<Tensor>();
            for (int first = 0; first < count; first += batch)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batch, count - first);
                using var labels = full([n], k, dtype: ScalarType.Int64);
                var clips = generator.SampleImages(tokenizer, labels, options, RowNoise.Seeds(options.Seed, first, n)).cpu();   // [n, 3, T, H, W]
                for (int i = 0; i < n; i++)
                {
                    for (int f = 0; f < clips.shape[2]; f++)
                        ImageFiles.Save(clips[i, .., f], Path.Combine(classFolder, clips.shape[2] == 1 ? $"{first + i:D5}.png" : $"{first + i:D5}-{f:D2}.png"));
                    if (row.Count < 10) row.Add(clips[i, .., 0].MoveToOuterDisposeScope());
                }
            }
            gridRows.Add(row);
            context.Out.WriteLine($"  {generator.ClassNames[k]}: {count} in {classFolder}");
        }
        ImageGrid.Save(gridRows, Path.Combine(folder, "grid.png"));
        var manifest = new Dictionary<string, object>
        {
            ["generator"] = modelPath, ["tokenizer"] = tokenizerPath, ["classes"] = classes.Select(k => generator.ClassNames[k]).ToArray(), ["count_per_class"] = count,
            ["sampler"] = options.Sampler.ToString().ToLowerInvariant(), ["steps"] = options.Steps, ["cfg"] = options.GuidanceScale, ["seed"] = options.Seed,
        };
        string manifestPath = Path.Combine(folder, "samples.json");
        File.WriteAllText(manifestPath + ".tmp", JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(manifestPath + ".tmp", manifestPath, overwrite: true);
        context.Out.WriteLine($"wrote {count * classes.Length} sample(s) in {clock.Elapsed.TotalSeconds:F1} s; grid (a row per class): {Path.Combine(folder, "grid.png")}");
        return VitokApp.Success;
    }

    SamplingOptions Sampling(ParseResult parse, LatentGenerator generator)
    {
        var sampler = parse.GetValue(_sampler) switch
        {
            null => generator.DefaultSampler,
            "ddpm" => Sampler.Ddpm,
            "ddim" => Sampler.Ddim,
            "euler" => Sampler.Euler,
            "heun" => Sampler.Heun,
            var other => throw new UsageException($"--sampler: '{other}' is not valid; use ddpm, ddim, euler or heun."),
        };
        var options = new SamplingOptions
        {
            Sampler = sampler,
            Steps = parse.GetValue(_steps) ?? sampler switch { Sampler.Ddpm => 250, Sampler.Heun => 25, _ => 50 },
            GuidanceScale = parse.GetValue(_cfg),
            Seed = parse.GetValue(_seed),
        };
        try { options.Validate(generator.Config.Objective, generator.Config.DiffusionSteps); }
        catch (ArgumentException e) { throw new UsageException($"--sampler/--steps/--cfg: {e.Message}"); }
        return options;
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
