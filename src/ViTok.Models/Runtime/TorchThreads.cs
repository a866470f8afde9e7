using TorchSharp;

namespace ViTok.Models.Runtime;

/// <summary>
/// Runs torch work with one component's intra-op thread count. torch.set_num_threads is process-wide (ATen keeps the
/// count in a global), so a component cannot own a setting; instead each of its forward passes sets its count, runs
/// and puts the previous count back, under one process-wide lock, so two components' passes never see each other's
/// setting. Between passes the process keeps its own setting (torch's default: one thread per core).
/// </summary>
public static class TorchThreads
{
    static readonly object Gate = new();

    /// <summary>
    /// The count a pass over <paramref name="rows"/> rows runs with: <paramref name="threads"/> when positive; when 0
    /// (automatic), 1 for a single row (row-at-a-time use such as PredictionEngine: one small image is too little work
    /// per operation to share between threads) and the process's setting for batches. See docs/benchmarks.md.
    /// </summary>
    public static int For(int threads, int rows)
    {
        Check(threads);
        return threads > 0 ? threads : rows <= 1 ? 1 : 0;
    }

    /// <summary>
    /// Throws naming the option when <paramref name="threads"/> is negative or more than the cores this process may
    /// use (100000 threads would be spawned, and more threads than cores only slow torch down).
    /// </summary>
    public static void Check(int threads)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Threads must be 0 (automatic) or positive.");
        if (threads > Environment.ProcessorCount)
            throw new ArgumentOutOfRangeException(nameof(threads), threads,
                $"Threads = {threads} is more than the {Environment.ProcessorCount} cores this process may use; more threads than cores only slow torch down (0 means one per core).");
    }

    /// <summary>Runs <paramref name="work"/> with <paramref name="threads"/> intra-op threads (0: the process's setting), then restores the setting.</summary>
    public static T Run<T>(int threads, Func<T> work)
    {
        Check(threads);
        TorchRuntime.EnsureLoaded();
        lock (Gate)
        {
            int previous = torch.get_num_threads();
            bool change = threads > 0 && threads != previous;
            if (change) torch.set_num_threads(threads);
            try { return work(); }
            finally { if (change) torch.set_num_threads(previous); }
        }
    }

    /// <inheritdoc cref="Run{T}(int, Func{T})"/>
    public static void Run(int threads, Action work) => Run(threads, () => { work(); return true; });
}
