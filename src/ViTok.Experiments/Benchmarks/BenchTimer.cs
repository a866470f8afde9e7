using System.Diagnostics;
using static TorchSharp.torch;

namespace ViTok.Models.Benchmarks;

/// <summary>How long to measure: warm-up calls first, then timed calls until both minimums are reached.</summary>
public sealed record TimingPolicy(int MinCalls = TimingPolicy.Defaults.MinCalls, double MinSeconds = TimingPolicy.Defaults.MinSeconds,
    int WarmupCalls = TimingPolicy.Defaults.WarmupCalls)
{
    public static class Defaults
    {
        /// <summary>At small sizes 5 calls read 40 % low (T-T/8 bf16 decode: 447 images/s with 5, 727-780 with 20-30).</summary>
        public const int MinCalls = 20;
        public const double MinSeconds = 2.0;
        public const int WarmupCalls = 3;
    }

    /// <summary>Upper bound on timed calls, whatever the minimum time.</summary>
    public const int MaxCalls = 10_000;

    public void Validate()
    {
        if (MinCalls < 1) throw new ArgumentOutOfRangeException(nameof(MinCalls), MinCalls, "At least one timed call is needed.");
        if (MinSeconds < 0 || double.IsNaN(MinSeconds)) throw new ArgumentOutOfRangeException(nameof(MinSeconds), MinSeconds, "The minimum time must not be negative.");
        if (WarmupCalls < 0) throw new ArgumentOutOfRangeException(nameof(WarmupCalls), WarmupCalls, "Warm-up calls must not be negative.");
    }
}

/// <summary>The median time of one call and how many timed calls it is the median of.</summary>
public sealed record Timing(double MedianSeconds, int Calls)
{
    public double PerSecond(int items) => items / MedianSeconds;
}

/// <summary>Times calls by <see cref="TimingPolicy"/>, each in its own dispose scope, and the same-run matmul reference.</summary>
public static class BenchTimer
{
    public static Timing Time(TimingPolicy policy, Action action)
    {
        policy.Validate();
        for (int i = 0; i < policy.WarmupCalls; i++)
            using (NewDisposeScope()) action();
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < TimingPolicy.MaxCalls && (times.Count < policy.MinCalls || total.Elapsed.TotalSeconds < policy.MinSeconds))
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope()) action();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return new Timing(Median(times), times.Count);
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Achieved giga multiply-adds per second of an n x n x n matrix product (n = 1024).</summary>
    public static double MatmulGMacs(ScalarType dtype, Device device, TimingPolicy policy, int n = 1024)
    {
        using var scope = NewDisposeScope();
        var a = randn([n, n], device: device).to(dtype);
        var b = randn([n, n], device: device).to(dtype);
        var timing = Time(policy, () => a.matmul(b).Dispose());
        return (double)n * n * n / timing.MedianSeconds / 1e9;
    }

    /// <summary>This process's peak resident set so far, in MB (Linux: VmHWM).</summary>
    public static double PeakRssMb()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
