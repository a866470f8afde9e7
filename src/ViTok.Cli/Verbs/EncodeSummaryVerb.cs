using System.CommandLine;
using ViTok.Cli.Shards;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok encode-summary DIR`: checks that a sharded encoding is complete and consistent and prints its totals.</summary>
public sealed class EncodeSummaryVerb : IVerb
{
    readonly Argument<string> _folder = new("DIR") { Description = "The --out folder of `vitok encode --shard`." };

    public Command Create()
    {
        var command = new Command("encode-summary", "Check that all N shards of a sharded `vitok encode` are complete and consistent (same source, model and options); print totals. Exit code 1 otherwise.");
        command.Arguments.Add(_folder);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string folder = Path.GetFullPath(parse.GetValue(_folder)!);
        if (!Directory.Exists(folder)) throw new UsageException($"DIR: '{folder}' does not exist.");
        var summary = ShardSummary.Check(folder);
        summary.Print(folder, context.Out);
        return summary.Ok ? VitokApp.Success : VitokApp.Failure;
    }
}
