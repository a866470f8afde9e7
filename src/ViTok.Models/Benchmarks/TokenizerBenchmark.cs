using System.Diagnostics;
using TorchSharp;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Benchmarks;

/// <summary>One precision's measurements: throughput and achieved multiply-adds per second relative to a plain
/// matrix product of the same precision measured in the same run.</summary>
public sealed record PrecisionResult(string DType, double MatmulGMacs, double EncodeItemsPerSecond, double DecodeItemsPerSecond,
    double EncodeGMacs, double DecodeGMacs)
{
    public double EncodeRatio => EncodeGMacs / MatmulGMacs;
    public double DecodeRatio => DecodeGMacs / MatmulGMacs;
}

/// <summary>
/// Inference speed of a tokenizer: encode (posterior mean) and decode, under no_grad, in fp32 and bf16.
/// The reference is a square matrix product (n = 1024) timed in the same process, so the ratio is comparable
/// across machines and across noisy runs.
/// </summary>
public static class TokenizerBenchmark
{
    public static PrecisionResult Run(ViTokAutoEncoder model, int batch, ScalarType dtype, int iterations, Device device)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch must be at least 1.");
        if (iterations < 1) throw new ArgumentOutOfRangeException(nameof(iterations), iterations, "Iterations must be at least 1.");
        var config = model.Config;
        var cost = TokenizerCost.Of(config);
        using var _ = no_grad();
        model.eval();
        model.to(device).to(dtype);
        using var scope = NewDisposeScope();
        using Scalar one = 1.ToScalar(), two = 2.ToScalar();
        var pixels = (rand([batch, 3, config.Frames, config.ImageSize, config.ImageSize], device: device) * two - one).to(dtype);
        var latents = randn([batch, config.Tokens, config.Channels], device: device).to(dtype);
        double encodeSeconds = Time(iterations, () => model.Encode(pixels).Dispose());
        double decodeSeconds = Time(iterations, () => model.Decode(latents).Dispose());
        double matmul = MatmulGMacs(dtype, device);
        return new PrecisionResult(
            DTypeName(dtype), matmul,
            batch / encodeSeconds, batch / decodeSeconds,
            cost.Encoder.MultiplyAdds * batch / encodeSeconds / 1e9,
            cost.Decoder.MultiplyAdds * batch / decodeSeconds / 1e9);
    }

    /// <summary>Median seconds of one call over <paramref name="iterations"/> timed calls, after one warm-up call.</summary>
    public static double Time(int iterations, Action action)
    {
        action();
        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope()) action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[iterations / 2];
    }

    /// <summary>Achieved giga multiply-adds per second of a 1024 x 1024 x 1024 matrix product.</summary>
    public static double MatmulGMacs(ScalarType dtype, Device device, int n = 1024, int iterations = 10)
    {
        using var scope = NewDisposeScope();
        var a = randn([n, n], device: device).to(dtype);
        var b = randn([n, n], device: device).to(dtype);
        double seconds = Time(iterations, () => a.matmul(b).Dispose());
        return (double)n * n * n / seconds / 1e9;
    }

    public static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        _ => dtype.ToString(),
    };
}
