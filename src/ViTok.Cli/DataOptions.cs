using System.CommandLine;
using ViTok.Cli.Verbs;
using ViTok.Models.Clips;

namespace ViTok.Cli;

/// <summary>Opens a SOURCE text given on the command line; a bad one is a usage error naming the option.</summary>
static class DataOptions
{
    /// <summary>With --skip-bad-files, how many items from the start <see cref="CheckShape"/> tries before giving up.</summary>
    public const int FirstReadableWithin = 64;

    public static string SourceHelp => "SOURCE: folder:PATH, list:FILE (.txt, .csv or .parquet of paths), fashion-mnist[:DIR][?split=test], synthetic[:shapes], synthetic-video[:sprites|:fashion-mnist], video:PATH; keys after '?' (see docs/training.md, Training data).";

    public static IClipSource Open(string option, string text, ClipSourceDefaults defaults)
    {
        try { return ClipSourceSpec.Open(text, defaults); }
        catch (ArgumentException e) { throw new UsageException($"{option}: {e.Message}"); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{option}: {e.Message}", e); }
    }

    /// <summary>
    /// Reads the first item to check that the source gives clips of the tokenizer's size, before any work. An unreadable
    /// first item stops the verb naming its file (<see cref="BadFile"/>); with <paramref name="skipBadFiles"/> the first readable item of the
    /// first <see cref="FirstReadableWithin"/> is checked instead (the skipped ones are counted where the data is read).
    /// </summary>
    public static void CheckShape(string option, IClipSource source, int frames, int size, bool skipBadFiles = false)
    {
        if (source.Count == 0) throw new UsageException($"{option}: {source.Description} has no items.");
        Clip? clip = null;
        var bad = new List<BadItemException>();
        for (int i = 0; clip is null && i < Math.Min(source.Count, FirstReadableWithin); i++)
        {
            try { clip = source.Read(i, new Random(0)); }
            catch (BadItemException e) when (skipBadFiles) { bad.Add(e); }
            catch (BadItemException e) { throw BadFile(option, e); }
        }
        if (clip is null)
            throw new InvalidDataException($"{option}: none of the first {bad.Count} items of {source.Description} could be read; the first: {bad[0].Message}");
        if (clip.Frames != frames || clip.Height != size || clip.Width != size)
            throw new UsageException($"{option}: {source.Description} gives {clip.Frames}x{clip.Height}x{clip.Width} clips; the tokenizer takes {frames}x{size}x{size} (add resize=/crop= keys or change --image-size/--frames).");
    }

    /// <summary>Image files a folder source left out because their names are not valid UTF-8 (with --skip-bad-files), to report as skipped.</summary>
    public static IReadOnlyList<string> LeftOut(IClipSource source) => source is ImageFolderSource folder ? folder.UndecodableNames : [];

    /// <summary>
    /// The failure (exit code 1: the data is at fault, not the command line) for an unreadable file of
    /// <paramref name="option"/>'s data, naming the file and the way to skip it.
    /// </summary>
    public static InvalidDataException BadFile(string option, BadItemException e) => new($"{option}: {e.Message} (--skip-bad-files skips unreadable files).", e);
}
