using System.CommandLine;
using ViTok.Models.Generation;
using ViTok.Models.Metrics;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok checksum`: verifies weight files, and gives files written before checksums their checksum. A file is
/// stamped only when it is sound: every floating-point tensor finite, and a tokenizer, generator or classifier
/// file (by its "vitok.kind") loads as that model. A symbolic link is written through to its target, never replaced.
/// </summary>
public sealed class ChecksumVerb : IVerb
{
    readonly Argument<string[]> _files = new("FILE") { Description = "Weight files (.safetensors).", Arity = ArgumentArity.OneOrMore };

    public Command Create()
    {
        var command = new Command("checksum", "Verify weight files; a file without a checksum (written before checksums or by another tool) is rewritten with one, tensors and metadata unchanged. " +
                                              "Files holding NaN or infinite values, or that do not load as the model their metadata names, are refused; a link is written through to its target.");
        command.Arguments.Add(_files);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        string[] files = parse.GetValue(_files)!;
        foreach (var path in files)
            if (!File.Exists(path)) throw new UsageException($"FILE: '{path}' does not exist.");
        foreach (var path in files)
        {
            // A link is followed to its final target and that file is rewritten (the rename would replace the link with a copy).
            string target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
            string through = target == path ? "" : $" (the link's target '{target}')";
            context.Out.WriteLine(SafeTensorsFile.AddChecksum(target, Validate) ? $"{path}: checksum added{through}" : $"{path}: checksum verified{through}");
        }
        return VitokApp.Success;
    }

    /// <summary>Refuses a file whose tensors hold NaN or infinity, or that does not load as the model its metadata names; the error names the file (and the tensor).</summary>
    static void Validate(SafeTensorsFile file)
    {
        using (var scope = NewDisposeScope())
            foreach (var entry in file.Entries.Values.OrderBy(e => e.Begin))
            {
                var tensor = file.Read(entry.Name);
                if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
                    throw new InvalidDataException($"Weights file '{file.Path}': tensor '{entry.Name}' holds NaN or infinite values; not stamped (the file is damaged or comes from a diverged run).");
            }
        file.Metadata.TryGetValue(TokenizerFile.KindKey, out string? kind);
        try
        {
            switch (kind)
            {
                case TokenizerFile.Kind:
                    TokenizerFile.Load(file).Dispose();
                    break;
                case GeneratorFile.Kind:
                    GeneratorFile.Load(file).Dispose();
                    break;
                case ImageClassifierFile.Kind:
                    ImageClassifierFile.Load(file.Path).Dispose();
                    break;
            }
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or System.Text.Json.JsonException or FormatException)
        {
            throw new InvalidDataException($"Weights file '{file.Path}' does not load as the {kind} its metadata names: {e.Message}; not stamped.", e);
        }
    }
}
