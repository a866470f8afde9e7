using System.CommandLine;

namespace ViTok.Cli.Verbs;

/// <summary>One `vitok` verb: its command definition and what it does.</summary>
public interface IVerb
{
    Command Create();
    int Execute(ParseResult parse, VerbContext context);
}

/// <summary>Where a verb writes, and whether the user asked for detail.</summary>
public sealed record VerbContext(TextWriter Out, TextWriter Error, bool Verbose);

/// <summary>Bad option values found by a verb (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
