using System.CommandLine;
using ViTok.Cli.Verbs;
using ViTok.Models.Clips;

namespace ViTok.Cli;

/// <summary>Opens a SOURCE text given on the command line; a bad one is a usage error naming the option.</summary>
static class DataOptions
{
    public static string SourceHelp => "SOURCE: folder:PATH, list:FILE (.txt, .csv or .parquet of paths), fashion-mnist[:DIR][?split=test], synthetic[:shapes], synthetic-video[:sprites|:fashion-mnist], video:PATH; keys after '?' (see docs/training.md, Training data).";

    public static IClipSource Open(string option, string text, ClipSourceDefaults defaults)
    {
        try { return ClipSourceSpec.Open(text, defaults); }
        catch (ArgumentException e) { throw new UsageException($"{option}: {e.Message}"); }
    }

    /// <summary>Reads the first item to check that the source gives clips of the tokenizer's size.</summary>
    public static void CheckShape(string option, IClipSource source, int frames, int size)
    {
        if (source.Count == 0) throw new UsageException($"{option}: {source.Description} has no items.");
        var clip = source.Read(0, new Random(0));
        if (clip.Frames != frames || clip.Height != size || clip.Width != size)
            throw new UsageException($"{option}: {source.Description} gives {clip.Frames}x{clip.Height}x{clip.Width} clips; the tokenizer takes {frames}x{size}x{size} (add resize=/crop= keys or change --image-size/--frames).");
    }
}
