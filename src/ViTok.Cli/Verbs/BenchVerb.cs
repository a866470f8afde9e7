using System.CommandLine;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Benchmarks;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.TokenizerV2;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok bench`: tokenizer encode/decode throughput (and optionally a training step) in fp32 and bf16, as a ratio to
/// a plain matrix product timed in the same run, with thread count, timed calls and peak memory in the output.
/// </summary>
public sealed class BenchVerb : IVerb
{
    readonly VariantOptions _variant = new();
    readonly ComputeOptionSet _compute = new();
    readonly Option<int> _batch = new("--batch") { Description = "Images (clips) per forward pass.", DefaultValueFactory = _ => 8 };
    readonly Option<int> _minCalls = new("--min-calls") { Description = "Timed calls per measurement at least (the median is reported).", DefaultValueFactory = _ => TimingPolicy.Defaults.MinCalls };
    readonly Option<double> _minSeconds = new("--min-seconds") { Description = "Seconds of timed calls per measurement at least.", DefaultValueFactory = _ => TimingPolicy.Defaults.MinSeconds };
    readonly Option<string> _dtype = new("--dtype") { Description = "fp32, bf16 or both.", DefaultValueFactory = _ => "both" };
    readonly Option<bool> _trainStep = new("--train-step") { Description = "Also time a training step (stage 1: MSE + KL, AdamW, clipping, EMA; bf16 = --bf16 autocast) at --batch." };
    readonly Option<bool> _json = new("--json") { Description = "One JSON line per dtype instead of the table." };
    readonly Option<bool> _v2 = new("--v2") { Description = "--variant is a ViTok-v2 variant (e.g. Ld4-Ld24/1x16x64, the 350M-f16x64 checkpoint); images of --image-size squared at their native size." };

    public Command Create()
    {
        var command = new Command("bench", "Measure tokenizer encode/decode speed (randomly initialised weights) against a matrix product in the same run.");
        _variant.AddTo(command);
        _compute.AddTo(command);
        command.Options.Add(_batch);
        command.Options.Add(_minCalls);
        command.Options.Add(_minSeconds);
        command.Options.Add(_dtype);
        command.Options.Add(_trainStep);
        command.Options.Add(_json);
        command.Options.Add(_v2);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        bool v2 = parse.GetValue(_v2);
        int batch = parse.GetValue(_batch);
        if (batch < 1) throw new UsageException($"--batch: {batch} must be at least 1.");
        var policy = Policy(parse);
        var dtypes = DTypes(parse);
        bool trainStep = parse.GetValue(_trainStep), json = parse.GetValue(_json);
        if (trainStep && v2) throw new UsageException("--train-step: ViTok-v2 models are inference only here.");

        string variant;
        int size;
        double encoderMacs, decoderMacs;
        string parameters;
        ViTokConfig? config = null;
        ViTokV2Config? v2Config = null;
        PatchGrid grid = default;
        if (v2)
        {
            try { v2Config = ViTokV2Config.Parse(_variant.Variant(parse)); }
            catch (ArgumentException e) { throw new UsageException($"--variant: {e.Message}"); }
            size = _variant.ImageSize(parse);
            if (size < 1) throw new UsageException($"--image-size: {size} must be at least 1.");
            grid = PatchGrid.ForImage(size, size, v2Config.Patch);
            var cost = V2Cost.Of(v2Config, grid.Count);
            (variant, encoderMacs, decoderMacs) = (v2Config.Variant, cost.Encoder.GFlops, cost.Decoder.GFlops);
            parameters = $"{cost.Encoder.ParamsM:F1}M + {cost.Decoder.ParamsM:F1}M parameters";
        }
        else
        {
            config = _variant.Read(parse);
            var cost = TokenizerCost.Of(config);
            (variant, size, encoderMacs, decoderMacs) = (config.Variant, config.ImageSize, cost.Encoder.GFlops, cost.Decoder.GFlops);
            parameters = $"{cost.Encoder.Params / 1e6:F1}M + {cost.Decoder.Params / 1e6:F1}M parameters";
        }
        var device = TorchRuntime.Resolve(_compute.Read(parse));
        int threads = get_num_threads();
        var o = context.Out;
        if (!json)
        {
            o.WriteLine(v2
                ? $"ViTok-v2 {variant} at {size}x{size} ({grid.Count} tokens), {parameters}, random weights, batch {batch}, {threads} torch threads on {device}"
                : $"{variant} {config!.Frames}x{size}x{size} c={config.Channels}, {parameters}, random weights, batch {batch}, {threads} torch threads on {device}");
            o.WriteLine($"per item: encoder {encoderMacs:F2} G multiply-adds, decoder {decoderMacs:F2} G; each figure the median of at least {policy.MinCalls} timed calls and {policy.MinSeconds:0.##} s, after {policy.WarmupCalls} warm-up calls");
            o.WriteLine($"{"dtype",-5} {"matmul GMAC/s",14} {"encode/s",10} {"GMAC/s",8} {"ratio",6} {"calls",6} {"decode/s",10} {"GMAC/s",8} {"ratio",6} {"calls",6}{(trainStep ? $" {"steps/s",8} {"calls",6}" : "")}");
        }
        foreach (var dtype in dtypes)
        {
            random.manual_seed(0);
            PrecisionResult r;
            if (v2)
            {
                using var model = new ViTokV2AutoEncoder(v2Config!);
                r = V2Benchmark.Run(model, size, batch, dtype, policy, device);
            }
            else
            {
                using var model = new ViTokAutoEncoder(config!);
                r = TokenizerBenchmark.Run(model, batch, dtype, policy, device);
            }
            Timing? step = trainStep ? TokenizerBenchmark.TrainStep(config!, batch, dtype, policy, device) : null;
            double rss = BenchTimer.PeakRssMb();
            if (json)
            {
                o.WriteLine(JsonSerializer.Serialize(new
                {
                    side = "vitok",
                    variant,
                    image_size = size,
                    batch,
                    threads,
                    dtype = r.DType,
                    encode_per_s = r.EncodeItemsPerSecond,
                    decode_per_s = r.DecodeItemsPerSecond,
                    train_steps_per_s = step is null ? (double?)null : 1 / step.MedianSeconds,
                    matmul_gmacs = r.MatmulGMacs,
                    encode_gmacs = r.EncodeGMacs,
                    decode_gmacs = r.DecodeGMacs,
                    encode_calls = r.EncodeCalls,
                    decode_calls = r.DecodeCalls,
                    train_calls = step?.Calls,
                    peak_rss_mb = rss,
                }));
                continue;
            }
            o.WriteLine($"{r.DType,-5} {r.MatmulGMacs,14:F1} {r.EncodeItemsPerSecond,10:F2} {r.EncodeGMacs,8:F1} {r.EncodeRatio,6:F2} {r.EncodeCalls,6} {r.DecodeItemsPerSecond,10:F2} {r.DecodeGMacs,8:F1} {r.DecodeRatio,6:F2} {r.DecodeCalls,6}{(step is null ? "" : $" {1 / step.MedianSeconds,8:F3} {step.Calls,6}")}");
            o.WriteLine($"      peak resident memory so far {rss:F0} MB");
        }
        if (!json) o.WriteLine("ratio = achieved multiply-adds/s over a 1024^3 matrix product of the same dtype measured in this run.");
        return VitokApp.Success;
    }

    TimingPolicy Policy(ParseResult parse)
    {
        int minCalls = parse.GetValue(_minCalls);
        double minSeconds = parse.GetValue(_minSeconds);
        if (minCalls < 1) throw new UsageException($"--min-calls: {minCalls} must be at least 1.");
        if (!(minSeconds >= 0) || double.IsInfinity(minSeconds)) throw new UsageException($"--min-seconds: {minSeconds} must be 0 or more.");
        return new TimingPolicy(minCalls, minSeconds);
    }

    ScalarType[] DTypes(ParseResult parse) => parse.GetValue(_dtype) switch
    {
        "fp32" => [ScalarType.Float32],
        "bf16" => [ScalarType.BFloat16],
        "both" => [ScalarType.Float32, ScalarType.BFloat16],
        var other => throw new UsageException($"--dtype: '{other}' is not one of fp32, bf16, both."),
    };
}
