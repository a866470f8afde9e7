using System.Runtime.InteropServices;

namespace ViTok.Cli;

/// <summary>
/// Ctrl+C and SIGTERM as a cancellation token instead of ending the process: the work stops where it checks the token
/// and cleans up (a training run saves a checkpoint; a file being written loses its temporary file). The first signal
/// is reported to <c>onStop</c> with its name.
/// </summary>
sealed class StopSignals : IDisposable
{
    readonly CancellationTokenSource _cancel = new();
    readonly PosixSignalRegistration? _term;
    readonly ConsoleCancelEventHandler _ctrlC;
    readonly Action<string>? _onStop;

    public StopSignals(Action<string>? onStop = null)
    {
        _onStop = onStop;
        _ctrlC = (_, e) => { e.Cancel = true; Stop("Ctrl+C"); };
        Console.CancelKeyPress += _ctrlC;
        try { _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop("SIGTERM"); }); }
        catch (PlatformNotSupportedException) { _term = null; }
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancel.Token;

    void Stop(string why)
    {
        if (_cancel.IsCancellationRequested) return;
        _onStop?.Invoke(why);
        _cancel.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= _ctrlC;
        _term?.Dispose();
        _cancel.Dispose();
    }
}
