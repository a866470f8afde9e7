using System.CommandLine;
using ViTok.Models.Runtime;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok demo`: the main job on built-in defaults.</summary>
public sealed class DemoVerb : IVerb
{
    Func<ParseResult, ComputeOptions> _compute = null!;

    public Command Create()
    {
        var command = new Command("demo", "Run the main job on built-in defaults.");
        _compute = GlobalOptions.AddCompute(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        RuntimeInfo info = TorchRuntime.Describe(_compute(parse));
        context.Out.WriteLine($"vitok demo on {info.Device} ({info.Threads} threads, libtorch {info.LibTorchVersion})");
        return VitokApp.Success;
    }
}
