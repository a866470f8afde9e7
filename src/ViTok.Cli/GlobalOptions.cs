using System.CommandLine;
using ViTok.Models.Runtime;

namespace ViTok.Cli;

/// <summary>Options shared by verbs. Device and threads are read here and nowhere else.</summary>
public static class GlobalOptions
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Print stack traces on failure and more detail while running.",
        Recursive = true,
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "Compute device: cpu, cuda or cuda:N.",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>--threads, checked while parsing (before any work): 0 or a count up to the cores this process may use.</summary>
    public static Option<int> Threads()
    {
        var option = new Option<int>("--threads")
        {
            Description = "Intra-op threads (0 = one per core).",
            DefaultValueFactory = _ => 0,
        };
        option.Validators.Add(result =>
        {
            // A value that is not an integer (abc, 1.5, "", 99999999999) already has the parser's error naming
            // --threads; GetValueOrDefault would throw on it and abort the process.
            if (result.Tokens.Count > 0 && !int.TryParse(result.Tokens[^1].Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _))
                return;
            int t = result.GetValueOrDefault<int>();
            if (t < 0) result.AddError($"--threads: {t} is not valid; use 0 (one per core) or a positive count.");
            else if (t > Environment.ProcessorCount)
                result.AddError($"--threads: {t} is more than the {Environment.ProcessorCount} cores this process may use; more threads than cores only slow torch down.");
        });
        return option;
    }

    public static Option<bool> FallbackToCpu() => new("--fallback-to-cpu")
    {
        Description = "Run on the CPU when the requested GPU is not available instead of failing.",
    };

    /// <summary>Adds --device, --threads and --fallback-to-cpu to a verb; returns a reader for them (<see cref="ComputeOptionSet"/>).</summary>
    public static Func<ParseResult, ComputeOptions> AddCompute(Command command)
    {
        var set = new ComputeOptionSet();
        set.AddTo(command);
        return set.Read;
    }
}
