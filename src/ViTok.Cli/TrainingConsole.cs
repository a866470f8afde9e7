using ViTok.Models.Training;

namespace ViTok.Cli;

/// <summary>
/// Progress of a training run on the console: a live line redrawn in place on a terminal, plain lines every
/// report when output is redirected. Ctrl+C and SIGTERM cancel the run (which saves a checkpoint and exits).
/// </summary>
sealed class TrainingConsole : IProgress<TrainingProgress>, IDisposable
{
    readonly TextWriter _out;
    readonly bool _live;
    readonly StopSignals _signals;

    public CancellationToken Token => _signals.Token;

    readonly string _stopNote;

    /// <param name="stopNote">What happens when the run is stopped (printed after "Ctrl+C: " or "SIGTERM: ").</param>
    public TrainingConsole(TextWriter output, string stopNote = "saving a checkpoint, then stopping (run again with --resume to continue).")
    {
        _out = output;
        _stopNote = stopNote;
        _live = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        _signals = new StopSignals(why => Log($"{why}: {_stopNote}"));
    }

    public void Report(TrainingProgress p)
    {
        string terms = string.Join(" ", p.Terms.Where(t => t.Key != "grad_norm").Select(t => $"{t.Key} {t.Value:G4}"));
        string line = $"step {p.Step}/{p.Steps} loss {p.Loss:F4} [{terms}] lr {p.LearningRate:G3} {p.ItemsPerSecond:F1} img/s ETA {p.Eta:hh\\:mm\\:ss}";
        if (_live)
        {
            int width = Math.Max(20, SafeWidth() - 1);
            double fraction = (double)p.Step / p.Steps;
            string bar = new string('#', (int)(fraction * 20)).PadRight(20, '.');
            string text = $"[{bar}] {line}";
            _out.Write("\r" + (text.Length > width ? text[..width] : text.PadRight(width)));
            if (p.Evaluation is not null || p.Step == p.Steps) _out.WriteLine();
        }
        else _out.WriteLine(line);
        if (p.Evaluation is not null)
            _out.WriteLine($"  eval at step {p.Step}: {string.Join(", ", p.Evaluation.Select(e => $"{e.Key} {e.Value:F4}"))}");
    }

    public void Log(string message)
    {
        if (_live) _out.WriteLine();
        _out.WriteLine(message);
    }

    static int SafeWidth()
    {
        try { return Console.WindowWidth; } catch (IOException) { return 120; }
    }

    public void Dispose() => _signals.Dispose();
}
