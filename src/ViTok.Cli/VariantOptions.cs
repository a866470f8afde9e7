using System.CommandLine;
using ViTok.Cli.Verbs;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli;

/// <summary>--variant, --channels, --image-size, --frames, --position: the options that build a <see cref="ViTokConfig"/>.</summary>
public sealed class VariantOptions
{
    readonly Option<string> _variant = new("--variant") { Description = "Tokenizer variant: <encoder>-<decoder>/<p> or /<q>x<p>, sizes N, T, S, B, L (e.g. S-B/16, S-B/4x8).", Required = true };
    readonly Option<int> _channels = new("--channels", "-c") { Description = "Bottleneck channels c per token.", DefaultValueFactory = _ => 16 };
    readonly Option<int> _imageSize = new("--image-size") { Description = "Input height and width in pixels.", DefaultValueFactory = _ => 256 };
    readonly Option<int?> _frames = new("--frames") { Description = "Input frames (default 1 for image variants, 16 for video variants)." };
    readonly Option<PositionEncoding> _position = new("--position") { Description = "Position encoding: Rope3D (paper), Rope1D (authors' code), Learned, SinCos.", DefaultValueFactory = _ => PositionEncoding.Rope3D };

    /// <summary>The options, not yet on a command (<see cref="AddTo"/>).</summary>
    public VariantOptions() { }

    /// <summary>The options, added to <paramref name="command"/>.</summary>
    public VariantOptions(Command command) => AddTo(command);

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_variant);
        command.Options.Add(_channels);
        command.Options.Add(_imageSize);
        command.Options.Add(_frames);
        command.Options.Add(_position);
    }

    /// <summary>The --variant text as given (e.g. a ViTok-v2 variant for `bench --v2`).</summary>
    public string Variant(ParseResult parse) => parse.GetValue(_variant)!;

    /// <summary>The --image-size value.</summary>
    public int ImageSize(ParseResult parse) => parse.GetValue(_imageSize);

    /// <summary>The configuration; a bad combination is a usage error that names the value.</summary>
    public ViTokConfig Read(ParseResult parse)
    {
        try
        {
            return ViTokConfig.FromVariant(parse.GetValue(_variant)!, parse.GetValue(_channels), parse.GetValue(_imageSize),
                parse.GetValue(_frames), parse.GetValue(_position));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
