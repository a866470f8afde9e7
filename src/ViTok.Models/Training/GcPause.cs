using System.Runtime;

namespace ViTok.Models.Training;

/// <summary>
/// Pauses garbage collection for one training step (a no-GC region), so that no finalizer can run during it.
/// <para>
/// Why: TorchSharp 0.107 frees a <c>Scalar</c> in its finalizer, and an implicit Scalar temporary (<c>x * 0.5</c>,
/// <c>1 - t</c>, also inside TorchSharp) is unreachable from the moment its handle is passed to native code. A
/// collection triggered by another thread during that call can finalize it while libtorch still reads it: the run
/// dies with "Unknown scalar type" or a Scalar.h toFloat assertion (seen after about 1,000 generator steps, and in
/// tokenizer runs). Collections then happen between steps, when no native call is in flight.
/// </para>
/// If the step allocates more than the budget, or other threads do, the runtime collects anyway and the region ends;
/// this narrows the window rather than closing it for every workload, and checkpoints cover the rest.
/// </summary>
sealed class GcPause : IDisposable
{
    readonly bool _started;

    public GcPause(long budgetBytes = 128L << 20)
    {
        try { _started = GC.TryStartNoGCRegion(budgetBytes); }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException) { _started = false; }
    }

    public void Dispose()
    {
        if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            try { GC.EndNoGCRegion(); }
            catch (InvalidOperationException) { }   // the region already ended (budget exceeded or a collection was induced)
        }
    }
}
