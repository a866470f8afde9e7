using ViTok.Models.Benchmarks;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Benchmarks;

[TestClass]
public sealed class BenchTimerTests
{
    [TestMethod]
    public void Warm_up_calls_are_not_timed_and_both_minimums_hold()
    {
        int invocations = 0;
        var counted = BenchTimer.Time(new TimingPolicy(MinCalls: 5, MinSeconds: 0, WarmupCalls: 3), () => invocations++);
        Assert.AreEqual(5, counted.Calls);
        Assert.AreEqual(8, invocations);

        invocations = 0;
        var timed = BenchTimer.Time(new TimingPolicy(MinCalls: 5, MinSeconds: 1.0, WarmupCalls: 0), () => { invocations++; Thread.Sleep(10); });
        Assert.AreEqual(invocations, timed.Calls);
        Assert.IsTrue(timed.Calls > 5, $"1 s of 10 ms calls took only {timed.Calls} calls");
        Assert.IsTrue(timed.MedianSeconds >= 0.009, $"median {timed.MedianSeconds} s for a 10 ms call");
    }

    [TestMethod]
    public void Median_of_odd_and_even_counts()
    {
        Assert.AreEqual(2.0, BenchTimer.Median([3.0, 1.0, 2.0]));
        Assert.AreEqual(2.5, BenchTimer.Median([4.0, 1.0, 2.0, 3.0]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TimingPolicy(MinCalls: 0).Validate());
    }

    [TestMethod]
    public void A_training_step_is_timed_through_the_trainer_and_leaves_no_folder()
    {
        TorchRuntime.EnsureLoaded();
        var config = ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16);
        int Folders() => Directory.GetDirectories(Path.GetTempPath(), "vitok-bench-*").Length;
        int before = Folders();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            var step = TokenizerBenchmark.TrainStep(config, 2, dtype, new TimingPolicy(MinCalls: 4, MinSeconds: 0, WarmupCalls: 1), CPU);
            Assert.AreEqual(4, step.Calls, $"{dtype}");
            Assert.IsTrue(step.MedianSeconds > 0);
        }
        Assert.AreEqual(before, Folders(), "a temporary run folder was left behind");
    }
}
