using System.CommandLine;
using ViTok.Models.Weights;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok checksum`: verifies weight files, and gives files written before checksums their checksum.</summary>
public sealed class ChecksumVerb : IVerb
{
    readonly Argument<string[]> _files = new("FILE") { Description = "Weight files (.safetensors).", Arity = ArgumentArity.OneOrMore };

    public Command Create()
    {
        var command = new Command("checksum", "Verify weight files; a file without a checksum (written before checksums or by another tool) is rewritten with one, tensors and metadata unchanged.");
        command.Arguments.Add(_files);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string[] files = parse.GetValue(_files)!;
        foreach (var path in files)
            if (!File.Exists(path)) throw new UsageException($"FILE: '{path}' does not exist.");
        foreach (var path in files)
            context.Out.WriteLine(SafeTensorsFile.AddChecksum(path) ? $"{path}: checksum added" : $"{path}: checksum verified");
        return VitokApp.Success;
    }
}
