using System.CommandLine;
using ViTok.Models.Runtime;

namespace ViTok.Cli;

/// <summary>
/// --device, --threads and --fallback-to-cpu of one verb: made with the verb (a field initialiser), added to its
/// command by <see cref="AddTo"/>, read by <see cref="Read"/>. Device and threads are read here and nowhere else.
/// </summary>
public sealed class ComputeOptionSet
{
    readonly Option<string> _device = GlobalOptions.Device();
    readonly Option<int> _threads = GlobalOptions.Threads();
    readonly Option<bool> _fallback = GlobalOptions.FallbackToCpu();

    /// <summary>Adds the three options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_device);
        command.Options.Add(_threads);
        command.Options.Add(_fallback);
    }

    /// <summary>The compute options of a parse; a bad value is a usage error naming the option.</summary>
    public ComputeOptions Read(ParseResult parse)
    {
        string d = parse.GetValue(_device) ?? "cpu";
        try { ComputeOptions.ParseDevice(d); }
        catch (ArgumentException e) { throw new Verbs.UsageException($"--device: {e.Message}"); }
        int t = parse.GetValue(_threads);
        if (t < 0) throw new Verbs.UsageException($"--threads: {t} is not valid; use 0 (one per core) or a positive count.");
        return new ComputeOptions { Device = d, Threads = t, FallbackToCpu = parse.GetValue(_fallback) };
    }
}
