using System.CommandLine;
using ViTok.Cli.Verbs;

namespace ViTok.Cli;

/// <summary>
/// The `vitok` command line. Each verb is one class in Verbs/ implementing <see cref="IVerb"/>.
/// Exit codes: 0 success, 2 usage error, 1 failure (one line; the stack trace only with --verbose).
/// </summary>
public static class VitokApp
{
    public const int Success = 0, Failure = 1, UsageError = 2;

    static IVerb[] Verbs() => [new InfoVerb(), new FlopsVerb(), new BenchVerb(), new MetricsVerb(), new TrainVerb(), new TrainGeneratorVerb(), new TrainClassifierVerb(), new ReconstructVerb(), new GenerateVerb(), new EncodeVerb(), new EncodeSummaryVerb(), new SweepVerb(), new ChecksumVerb(), new BaselinesVerb(), new DemoVerb()];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Verbs());

    /// <summary>Runs with these verb objects (a test passes a verb built with a stand-in, e.g. a failing output device).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, IEnumerable<IVerb> verbs)
    {
        var root = new RootCommand("vitok: ViTok visual tokenizer and DiT generation on TorchSharp and ML.NET.");
        root.Options.Add(GlobalOptions.Verbose);
        foreach (var verb in verbs)
        {
            var command = verb.Create();
            command.SetAction(parse => Execute(verb, parse, stdout, stderr));
            root.Subcommands.Add(command);
        }

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors) stderr.WriteLine($"vitok: {error.Message}");
            stderr.WriteLine("Run 'vitok --help' for usage.");
            return UsageError;
        }
        return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }

    /// <summary>
    /// The errors that parsing <paramref name="args"/> gives (unknown options, values of the wrong type or out of
    /// range), without running anything: what `vitok sweep` checks every stage of a plan with before the first runs.
    /// </summary>
    internal static IReadOnlyList<string> ParseErrors(string[] args)
    {
        var root = new RootCommand();
        root.Options.Add(GlobalOptions.Verbose);
        foreach (var verb in Verbs()) root.Subcommands.Add(verb.Create());
        return root.Parse(args).Errors.Select(e => e.Message).ToList();
    }

    static int Execute(IVerb verb, ParseResult parse, TextWriter stdout, TextWriter stderr)
    {
        bool verbose = parse.GetValue(GlobalOptions.Verbose);
        try
        {
            return verb.Execute(parse, new VerbContext(stdout, stderr, verbose));
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"vitok: {e.Message}");
            if (verbose) stderr.WriteLine(e);
            return UsageError;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"vitok: {OneLine(e)}");
            if (verbose) stderr.WriteLine(e);
            return Failure;
        }
    }

    static string OneLine(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } agg) e = agg.InnerExceptions[0];
        if (e is System.Reflection.TargetInvocationException { InnerException: { } inner }) e = inner;
        return e.Message.ReplaceLineEndings(" ");
    }
}
