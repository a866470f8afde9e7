using System.Diagnostics;
using TorchSharp;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Models.Benchmarks;

/// <summary>One precision's measurements: throughput and achieved multiply-adds per second relative to a plain
/// matrix product of the same precision measured in the same run, with the number of timed calls behind each median.</summary>
public sealed record PrecisionResult(string DType, double MatmulGMacs, double EncodeItemsPerSecond, double DecodeItemsPerSecond,
    double EncodeGMacs, double DecodeGMacs, int EncodeCalls, int DecodeCalls)
{
    public double EncodeRatio => EncodeGMacs / MatmulGMacs;
    public double DecodeRatio => DecodeGMacs / MatmulGMacs;
}

/// <summary>
/// Inference speed of a tokenizer: encode (posterior mean) and decode, under no_grad, in fp32 and bf16 (the weights
/// converted to the dtype once, as inference does); and the speed of one training step. The reference is a square
/// matrix product (n = 1024) timed in the same process, so the ratio is comparable across machines and noisy runs.
/// </summary>
public static class TokenizerBenchmark
{
    public static PrecisionResult Run(ViTokAutoEncoder model, int batch, ScalarType dtype, TimingPolicy policy, Device device)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch must be at least 1.");
        policy.Validate();
        var config = model.Config;
        var cost = TokenizerCost.Of(config);
        using var _ = no_grad();
        model.eval();
        model.to(device).to(dtype);
        using var scope = NewDisposeScope();
        using Scalar one = 1.ToScalar(), two = 2.ToScalar();
        var pixels = (rand([batch, 3, config.Frames, config.ImageSize, config.ImageSize], device: device) * two - one).to(dtype);
        var latents = randn([batch, config.Tokens, config.Channels], device: device).to(dtype);
        var encode = BenchTimer.Time(policy, () => model.Encode(pixels).Dispose());
        var decode = BenchTimer.Time(policy, () => model.Decode(latents).Dispose());
        double matmul = BenchTimer.MatmulGMacs(dtype, device, policy);
        return new PrecisionResult(
            DTypeName(dtype), matmul,
            encode.PerSecond(batch), decode.PerSecond(batch),
            cost.Encoder.MultiplyAdds * encode.PerSecond(batch) / 1e9,
            cost.Decoder.MultiplyAdds * decode.PerSecond(batch) / 1e9,
            encode.Calls, decode.Calls);
    }

    /// <summary>
    /// One stage-1 training step of <see cref="TokenizerTrainer"/> as `vitok train --perceptual-weight 0` runs it
    /// (MSE + KL, backward, gradient clipping, AdamW, EMA; bf16 = its --bf16 autocast), on one random batch repeated,
    /// timed step by step through the trainer's progress reports (every step). Runs in a temporary folder, removed after.
    /// </summary>
    public static Timing TrainStep(ViTokConfig config, int batch, ScalarType dtype, TimingPolicy policy, Device device)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch must be at least 1.");
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16)) throw new ArgumentException($"Training runs in fp32 or with bf16 autocast, not {dtype}.", nameof(dtype));
        policy.Validate();
        var options = new TokenizerTrainingOptions
        {
            Steps = policy.WarmupCalls + TimingPolicy.MaxCalls,
            BatchSize = batch,
            PerceptualWeight = 0,
            LogEvery = 1,
            CheckpointEvery = int.MaxValue,
            Bf16 = dtype == ScalarType.BFloat16,
        };
        string folder = Path.Combine(Path.GetTempPath(), $"vitok-bench-{Guid.NewGuid():N}");
        using var batches = new RepeatedBatch(config, batch);
        var clock = new StepClock(policy);
        try
        {
            var trainer = new TokenizerTrainer(config, options, _ => batches, "one random batch, repeated", device);
            trainer.Run(folder, progress: clock, cancel: clock.Done);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        return new Timing(BenchTimer.Median(clock.Times), clock.Times.Count);
    }

    public static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        _ => dtype.ToString(),
    };

    /// <summary>The same random batch [B, 3, T, H, W] in [-1, 1] every step (a copy each time: the loop owns what it gets).</summary>
    sealed class RepeatedBatch : IBatchStream
    {
        readonly Tensor _batch;

        public RepeatedBatch(ViTokConfig config, int batch)
        {
            using var scope = NewDisposeScope();
            using Scalar one = 1.ToScalar(), two = 2.ToScalar();
            _batch = (rand([batch, 3, config.Frames, config.ImageSize, config.ImageSize]) * two - one).MoveToOuterDisposeScope();
        }

        public Tensor Next() => _batch.clone();

        public string Position => "0";

        public IReadOnlyList<string> SkippedItems => [];

        public void Dispose() => _batch.Dispose();
    }

    /// <summary>Times the steps between progress reports; asks the loop to stop once the policy is met.</summary>
    sealed class StepClock(TimingPolicy policy) : IProgress<TrainingProgress>
    {
        readonly CancellationTokenSource _done = new();
        readonly Stopwatch _sinceLast = Stopwatch.StartNew(), _timed = new();
        int _reports;

        public List<double> Times { get; } = [];

        public CancellationToken Done => _done.Token;

        public void Report(TrainingProgress value)
        {
            double seconds = _sinceLast.Elapsed.TotalSeconds;
            _sinceLast.Restart();
            if (++_reports <= policy.WarmupCalls) return;
            _timed.Start();
            Times.Add(seconds);
            if (Times.Count >= TimingPolicy.MaxCalls || Times.Count >= policy.MinCalls && _timed.Elapsed.TotalSeconds >= policy.MinSeconds)
                _done.Cancel();
        }
    }
}
