using ViTok.Models.Tokenizer;
using ViTok.Cli.Verbs;
using ViTok.Models.Clips;

namespace ViTok.Cli.NativeSize;

/// <summary>
/// The images a native-resolution tokenizer (ViTok-v2) reads on the command line: every image file of a folder (and its immediate
/// sub-folders), each named by its path relative to the folder, at its own size; images over the token budget are
/// shrunk keeping their aspect ratio, as the reference's preprocessing does.
/// </summary>
static class NativeSizeImages
{
    /// <summary>
    /// The files of <c>--data folder:PATH</c> (or a plain folder path); other SOURCE kinds are a usage error. A file name
    /// that is not valid UTF-8 is a usage error naming it, unless <paramref name="skipped"/> is given (then it is listed there).
    /// </summary>
    public static IReadOnlyList<(string Name, string Path)> List(string option, string source, List<string>? skipped = null)
    {
        string folder = source.StartsWith("folder:", StringComparison.Ordinal) ? source["folder:".Length..] : source;
        int query = folder.IndexOf('?');
        if (query >= 0)
            throw new UsageException($"{option}: '{source}': a native-resolution tokenizer (ViTok-v2) reads images at their native size; resize/crop keys are not used (use --max-tokens).");
        if (!Directory.Exists(folder))
            throw new UsageException($"{option}: '{source}' is not an image folder; a native-resolution tokenizer (ViTok-v2) reads folder:PATH (images at their native size).");
        IReadOnlyList<(string Name, string Path)> files;
        try { files = ImageFiles.ListWithSubfolders(folder, skipped); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{option}: {e.Message}", e); }
        if (files.Count == 0) throw new UsageException($"{option}: folder '{folder}' holds no images ({string.Join(", ", ImageFiles.Extensions.Order())}).");
        return files;
    }

    /// <summary>Reads one image, shrunk to the budget when it is over it; also gives the size of the file's image.</summary>
    public static (TokenizerImage Image, int SourceHeight, int SourceWidth) Load(string path, IImageTokenizer inference, int maxTokens)
    {
        using var image = ImageFiles.Load(path);
        var v2 = new TokenizerImage(image.data<float>().ToArray(), (int)image.shape[1], (int)image.shape[2]);
        return (inference.ResizeToTokenBudget(v2, maxTokens), v2.Height, v2.Width);
    }

    /// <summary>
    /// Reads the images of <paramref name="files"/> (<see cref="Load"/>). An unreadable one is a usage error naming it and
    /// <paramref name="option"/>, unless <paramref name="skipBad"/>: then it is left out and its path added to <paramref name="skipped"/>.
    /// </summary>
    public static List<(string Name, TokenizerImage Image, int SourceHeight, int SourceWidth)> LoadReadable(
        IEnumerable<(string Name, string Path)> files, IImageTokenizer inference, int maxTokens, string option, bool skipBad, List<string> skipped)
    {
        var images = new List<(string, TokenizerImage, int, int)>();
        foreach (var (name, path) in files)
        {
            try
            {
                var (image, h, w) = Load(path, inference, maxTokens);
                images.Add((name, image, h, w));
            }
            catch (InvalidDataException e) when (e.InnerException is BadItemException bad)
            {
                if (!skipBad) throw DataOptions.BadFile(option, bad);
                skipped.Add(bad.Origin);
            }
        }
        return images;
    }

    /// <summary>
    /// The files of <paramref name="files"/> that decode (<see cref="ImageFolderSource.Decode(string, long)"/>), for readers that open the
    /// files themselves; an unreadable one is a usage error naming it, unless <paramref name="skipBad"/> (then it is listed in <paramref name="skipped"/>).
    /// </summary>
    public static List<(string Name, string Path)> Readable(IEnumerable<(string Name, string Path)> files, string option, bool skipBad, List<string> skipped)
    {
        var readable = new List<(string, string)>();
        foreach (var file in files)
        {
            try
            {
                using var image = ImageFolderSource.Decode(file.Path);
                readable.Add(file);
            }
            catch (BadItemException bad)
            {
                if (!skipBad) throw DataOptions.BadFile(option, bad);
                skipped.Add(bad.Origin);
            }
        }
        return readable;
    }

    public static int MaxTokens(string option, int value) =>
        value >= 1 ? value : throw new UsageException($"{option}: {value} must be at least 1.");

    /// <summary>The PNG name of an image named <paramref name="name"/> ("Coat/b.jpg" -> "Coat/b.png").</summary>
    public static string PngName(string name) => System.IO.Path.ChangeExtension(name, ".png");
}
