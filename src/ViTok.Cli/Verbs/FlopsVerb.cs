using System.CommandLine;
using System.Text.Json;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Verbs;

/// <summary>`vitok flops`: parameters and GFLOPs (multiply-adds, the paper's convention) of a tokenizer variant.</summary>
public sealed class FlopsVerb : IVerb
{
    readonly VariantOptions _variant = new();
    readonly Option<bool> _json = new("--json") { Description = "Print JSON: {encoder,decoder,total}: {params, gflops}." };
    readonly Option<FlopConvention> _convention = new("--convention")
    {
        Description = "Exact counts every tubelet multiply-add; Paper counts the tubelet layers as 3·p·p per token, as the paper's video figures do. Images are equal under both.",
        DefaultValueFactory = _ => FlopConvention.Exact,
    };

    public Command Create()
    {
        var command = new Command("flops", "Parameters and GFLOPs (one multiply-add = one FLOP, as in the paper) of a tokenizer variant.");
        _variant.AddTo(command);
        command.Options.Add(_json);
        command.Options.Add(_convention);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        var config = _variant.Read(parse);
        var cost = TokenizerCost.Of(config, parse.GetValue(_convention));
        if (parse.GetValue(_json))
        {
            object Part(PartCost p) => new { @params = p.Params, gflops = Math.Round(p.GFlops, 4) };
            context.Out.WriteLine(JsonSerializer.Serialize(new
            {
                variant = config.Variant,
                image_size = config.ImageSize,
                frames = config.Frames,
                channels = config.Channels,
                tokens = config.Tokens,
                bottleneck = config.BottleneckSize,
                encoder = Part(cost.Encoder),
                decoder = Part(cost.Decoder),
                total = Part(cost.Total),
            }));
            return VitokApp.Success;
        }
        var o = context.Out;
        o.WriteLine($"{config.Variant}  {config.Frames}x{config.ImageSize}x{config.ImageSize}  c={config.Channels}  tokens={config.Tokens}  E={config.BottleneckSize}");
        o.WriteLine($"{"",-8} {"params (M)",12} {"GFLOPs",10}");
        foreach (var (name, part) in new[] { ("encoder", cost.Encoder), ("decoder", cost.Decoder), ("total", cost.Total) })
            o.WriteLine($"{name,-8} {part.ParamsM,12:F1} {part.GFlops,10:F1}");
        return VitokApp.Success;
    }
}
