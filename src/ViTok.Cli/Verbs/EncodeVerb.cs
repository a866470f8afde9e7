using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using ViTok.MLNet;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Cli.Shards;
using ViTok.Cli.NativeSize;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok encode`: latents of a SOURCE as an ML.NET binary IDataView (Origin, Label, Latent), streamed.</summary>
public sealed class EncodeVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _model = new("--model") { Description = "Tokenizer file (.safetensors), or a ViTok-v2 checkpoint folder (encoder.safetensors [+ decoder.safetensors]).", Required = true };
    readonly Option<string> _data = new("--data") { Description = DataOptions.SourceHelp, Required = true };
    readonly Option<string> _out = new("--out") { Description = "Output file: .idv (ML.NET binary IDataView, mlContext.Data.LoadFromBinary) or .parquet (Parquet, latents as LIST<float>, shape in the metadata); with a ViTok-v2 model also .safetensors (one [tokens, c] tensor per image, grid in the metadata). With --shard: the dataset folder.", Required = true };
    readonly Option<int> _batch = new("--batch") { Description = "Items per forward pass.", DefaultValueFactory = _ => 64 };
    readonly Option<bool> _sample = new("--sample") { Description = "Write posterior samples instead of posterior means." };
    readonly Option<bool> _bf16 = new("--bf16") { Description = "Run the encoder in bfloat16." };
    readonly ShardOptionSet _shards = new();
    readonly Option<int> _maxTokens = new("--max-tokens") { Description = "ViTok-v2: token budget; images over it are shrunk keeping their aspect ratio.", DefaultValueFactory = _ => Models.Tokenizer.IImageTokenizer.Defaults.MaxTokens };
    readonly Option<bool> _skipBad = SkippedFiles.Option();

    /// <summary>Opens the temporary .idv file (null: a new file on disk). Tests stand in a device that fails, such as /dev/full.</summary>
    internal Func<string, Stream>? OpenOutput { get; init; }

    public Command Create()
    {
        var command = new Command("encode", "Write the latents of a SOURCE, streaming: Origin, Label, Latent [tokens, c] as ML.NET binary (.idv) or Parquet (.parquet).");
        foreach (var o in new Option[] { _model, _data, _out, _batch, _sample, _bf16, _maxTokens, _skipBad }) command.Options.Add(o);
        _compute.AddTo(command);
        _shards.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string modelPath = parse.GetValue(_model)!;
        int batch = parse.GetValue(_batch);
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        bool skipBad = parse.GetValue(_skipBad);
        if (_shards.Read(parse, Environment.GetEnvironmentVariable) is { } shard)
            return ShardedEncodeCommand.Run(shard, _shards.ItemsPerPart(parse), modelPath, parse.GetValue(_data)!, OutputPaths.RequireFolder("--out", parse.GetValue(_out)!), batch,
                parse.GetValue(_sample), parse.GetValue(_bf16), skipBad, _compute.Read(parse), context.Out);
        string output = OutputPaths.RequireFile("--out", parse.GetValue(_out)!);
        using var stop = new StopSignals(why => context.Out.WriteLine($"{why}: stopping; nothing is written to {output}."));
        var shape = TokenizerModels.Read("--model", modelPath);
        if (parse.GetValue(_sample) && !shape.HasPosterior)
            throw new UsageException($"--sample: tokenizer {shape.Variant} has no posterior to sample (its latent is deterministic).");
        if (shape.NativeResolution)
            return NativeSizeEncodeCommand.Run(modelPath, parse.GetValue(_data)!, output, NativeSizeImages.MaxTokens("--max-tokens", parse.GetValue(_maxTokens)),
                batch, parse.GetValue(_bf16), _compute.Read(parse), context.Out, skipBad, OpenOutput, stop.Token);
        string format = Path.GetExtension(output).ToLowerInvariant();
        if (format is not (".idv" or ".parquet")) throw new UsageException($"--out: '{output}' must end in .idv (ML.NET binary) or .parquet.");
        var config = TokenizerFile.ReadConfig(modelPath);
        var source = DataOptions.Open("--data", parse.GetValue(_data)!, new ClipSourceDefaults(config.ImageSize, config.Frames, SkipUndecodableNames: skipBad));
        DataOptions.CheckShape("--data", source, config.Frames, config.ImageSize, skipBad);
        var compute = _compute.Read(parse);
        TorchRuntime.Resolve(compute);

        var clock = Stopwatch.StartNew();
        var view = new ClipSourceDataView(source, config.Frames, config.ImageSize, config.ImageSize,
            progress: n => context.Out.WriteLine($"  {n}/{source.Count} items, {n / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F1} items/s"),
            skipBadItems: skipBad, cancel: stop.Token);
        var ml = new MLContext(seed: 0);
        var tokenizer = ml.Transforms.TokenizeImages(new TokenizeImagesOptions
        {
            OutputColumnName = "Latent", InputColumnName = "Pixels", TokenizerPath = modelPath, BatchSize = batch,
            PixelScale = 1f, PixelOffset = 0f,   // the source already gives [-1, 1]
            Latent = parse.GetValue(_sample) ? LatentKind.Sample : LatentKind.Mean,
            Precision = parse.GetValue(_bf16) ? InferencePrecision.BFloat16 : InferencePrecision.Float32,
            Device = compute.Device, Threads = compute.Threads,
        }).Fit(view);
        var latents = ml.Transforms.SelectColumns("Origin", "Label", "Latent").Fit(tokenizer.Transform(view)).Transform(tokenizer.Transform(view));

        context.Out.WriteLine($"encoding {source.Description} with {config.Variant} c={config.Channels} into {output}");
        try
        {
            LatentFile.Write(ml, latents, output, OpenOutput, stop.Token);
        }
        catch (Exception e) when (Find<BadItemException>(e) is { } bad)
        {
            throw DataOptions.BadFile("--data", bad);
        }
        SkippedFiles.Report(context.Out, [.. DataOptions.LeftOut(source), .. view.Skipped]);
        context.Out.WriteLine($"wrote {source.Count - view.Skipped.Count} rows of [{config.Tokens}, {config.Channels}] latents to {output} in {clock.Elapsed.TotalSeconds:F1} s");
        return VitokApp.Success;
    }

    /// <summary>The exception of type <typeparamref name="T"/> in <paramref name="e"/>'s chain (ML.NET's writer wraps the reader's failure).</summary>
    static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is T found) return found;
        return null;
    }
}
