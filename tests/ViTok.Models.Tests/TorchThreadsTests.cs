using TorchSharp;
using ViTok.Models.Runtime;

namespace ViTok.Models.Tests;

[TestClass]
public sealed class TorchThreadsTests
{
    [TestMethod]
    public void A_pass_runs_with_its_count_and_restores_the_process_setting()
    {
        TorchRuntime.EnsureLoaded();
        int process = torch.get_num_threads();
        int want = process == 1 ? 2 : 1;
        Assert.AreEqual(want, TorchThreads.Run(want, torch.get_num_threads));
        Assert.AreEqual(process, torch.get_num_threads());
        Assert.AreEqual(process, TorchThreads.Run(0, torch.get_num_threads), "0 leaves the process's setting");

        Assert.Throws<InvalidOperationException>(() => TorchThreads.Run(want, () => throw new InvalidOperationException("boom")));
        Assert.AreEqual(process, torch.get_num_threads(), "restored after a failing pass");
    }

    [TestMethod]
    public void Automatic_count_is_one_thread_for_a_single_row_and_the_process_setting_for_batches()
    {
        Assert.AreEqual(1, TorchThreads.For(0, 1));
        Assert.AreEqual(0, TorchThreads.For(0, 32));
        int cores = Environment.ProcessorCount;
        Assert.AreEqual(cores, TorchThreads.For(cores, 1));
        Assert.AreEqual(cores, TorchThreads.For(cores, 32));
        StringAssert.Contains(Assert.Throws<ArgumentOutOfRangeException>(() => TorchThreads.For(-1, 1)).Message, "Threads must be 0");
        // More than the cores: thousands of threads would be spawned (Threads = 100000 in a component's options).
        StringAssert.Contains(Assert.Throws<ArgumentOutOfRangeException>(() => TorchThreads.For(cores + 1, 1)).Message, $"Threads = {cores + 1} is more than the {cores} cores");
    }
}
