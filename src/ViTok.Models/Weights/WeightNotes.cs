namespace ViTok.Models.Weights;

/// <summary>
/// Where notes about weight files go (a file without a checksum is noted once per full path and process). A host
/// routes them for the code it runs with <see cref="To"/> (the ML.NET components send them to MLContext.Log); the
/// route flows with the call, across awaits, and ends when the returned scope is disposed. Without one, notes go to
/// standard error, as a command-line host wants.
/// </summary>
public static class WeightNotes
{
    static readonly AsyncLocal<Action<string>?> Sink = new();

    /// <summary>Sends the notes raised by this call (and what it calls) to <paramref name="sink"/> until disposed.</summary>
    public static IDisposable To(Action<string> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var before = Sink.Value;
        Sink.Value = sink;
        return new Scope(before);
    }

    internal static void Tell(string message) => (Sink.Value ?? Console.Error.WriteLine)(message);

    sealed class Scope(Action<string>? before) : IDisposable
    {
        bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            Sink.Value = before;
        }
    }
}
