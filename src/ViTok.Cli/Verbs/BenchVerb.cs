using System.CommandLine;
using TorchSharp;
using ViTok.Models.Benchmarks;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.TokenizerV2;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok bench`: tokenizer encode/decode throughput in fp32 and bf16, as a ratio to a plain matrix product.</summary>
public sealed class BenchVerb : IVerb
{
    readonly VariantOptions _variant = new();
    readonly ComputeOptionSet _compute = new();
    readonly Option<int> _batch = new("--batch") { Description = "Images (clips) per forward pass.", DefaultValueFactory = _ => 8 };
    readonly Option<int> _iterations = new("--iterations") { Description = "Timed passes per measurement (the median is reported).", DefaultValueFactory = _ => 5 };
    readonly Option<string> _dtype = new("--dtype") { Description = "fp32, bf16 or both.", DefaultValueFactory = _ => "both" };
    readonly Option<bool> _v2 = new("--v2") { Description = "--variant is a ViTok-v2 variant (e.g. Ld4-Ld24/1x16x64, the 350M-f16x64 checkpoint); images of --image-size squared at their native size." };

    public Command Create()
    {
        var command = new Command("bench", "Measure tokenizer encode/decode speed (randomly initialised weights) against a matrix product in the same run.");
        _variant.AddTo(command);
        _compute.AddTo(command);
        command.Options.Add(_batch);
        command.Options.Add(_iterations);
        command.Options.Add(_dtype);
        command.Options.Add(_v2);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        if (parse.GetValue(_v2)) return ExecuteV2(parse, context);
        var config = _variant.Read(parse);
        int batch = parse.GetValue(_batch), iterations = parse.GetValue(_iterations);
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        if (iterations < 1) throw new UsageException($"--iterations: {iterations} must be at least 1.");
        var dtypes = DTypes(parse);
        var device = TorchRuntime.Resolve(_compute.Read(parse));
        var cost = TokenizerCost.Of(config);
        var o = context.Out;
        o.WriteLine($"{config.Variant} {config.Frames}x{config.ImageSize}x{config.ImageSize} c={config.Channels}, batch {batch}, {get_num_threads()} threads on {device}");
        o.WriteLine($"per item: encoder {cost.Encoder.GFlops:F2} G multiply-adds, decoder {cost.Decoder.GFlops:F2} G");
        o.WriteLine($"{"dtype",-5} {"matmul GMAC/s",14} {"encode/s",10} {"GMAC/s",8} {"ratio",6} {"decode/s",10} {"GMAC/s",8} {"ratio",6}");
        foreach (var dtype in dtypes)
        {
            random.manual_seed(0);
            using var model = new ViTokAutoEncoder(config);
            var r = TokenizerBenchmark.Run(model, batch, dtype, iterations, device);
            o.WriteLine($"{r.DType,-5} {r.MatmulGMacs,14:F1} {r.EncodeItemsPerSecond,10:F2} {r.EncodeGMacs,8:F1} {r.EncodeRatio,6:F2} {r.DecodeItemsPerSecond,10:F2} {r.DecodeGMacs,8:F1} {r.DecodeRatio,6:F2}");
        }
        o.WriteLine("ratio = achieved multiply-adds/s over a 1024^3 matrix product of the same dtype measured in this run.");
        return VitokApp.Success;
    }

    int ExecuteV2(ParseResult parse, VerbContext context)
    {
        ViTokV2Config config;
        try { config = ViTokV2Config.Parse(_variant.Variant(parse)); }
        catch (ArgumentException e) { throw new UsageException($"--variant: {e.Message}"); }
        int size = _variant.ImageSize(parse), batch = parse.GetValue(_batch), iterations = parse.GetValue(_iterations);
        if (size < 1) throw new UsageException($"--image-size: {size} must be at least 1.");
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        if (iterations < 1) throw new UsageException($"--iterations: {iterations} must be at least 1.");
        var dtypes = DTypes(parse);
        var device = TorchRuntime.Resolve(_compute.Read(parse));
        var grid = PatchGrid.ForImage(size, size, config.Patch);
        var cost = V2Cost.Of(config, grid.Count);
        var o = context.Out;
        o.WriteLine($"ViTok-v2 {config.Variant} at {size}x{size} ({grid.Count} tokens), {cost.Encoder.ParamsM:F1}M + {cost.Decoder.ParamsM:F1}M parameters, random weights, batch {batch}, {get_num_threads()} threads on {device}");
        o.WriteLine($"per image: encoder {cost.Encoder.GFlops:F2} G multiply-adds, decoder {cost.Decoder.GFlops:F2} G");
        o.WriteLine($"{"dtype",-5} {"matmul GMAC/s",14} {"encode/s",10} {"GMAC/s",8} {"ratio",6} {"decode/s",10} {"GMAC/s",8} {"ratio",6}");
        foreach (var dtype in dtypes)
        {
            random.manual_seed(0);
            using var model = new ViTokV2AutoEncoder(config);
            var r = V2Benchmark.Run(model, size, batch, dtype, iterations, device);
            o.WriteLine($"{r.DType,-5} {r.MatmulGMacs,14:F1} {r.EncodeItemsPerSecond,10:F2} {r.EncodeGMacs,8:F1} {r.EncodeRatio,6:F2} {r.DecodeItemsPerSecond,10:F2} {r.DecodeGMacs,8:F1} {r.DecodeRatio,6:F2}");
        }
        o.WriteLine("ratio = achieved multiply-adds/s over a 1024^3 matrix product of the same dtype measured in this run.");
        return VitokApp.Success;
    }

    ScalarType[] DTypes(ParseResult parse) => parse.GetValue(_dtype) switch
    {
        "fp32" => [ScalarType.Float32],
        "bf16" => [ScalarType.BFloat16],
        "both" => [ScalarType.Float32, ScalarType.BFloat16],
        var other => throw new UsageException($"--dtype: '{other}' is not one of fp32, bf16, both."),
    };
}
