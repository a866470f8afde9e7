using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;

namespace ViTok.Models.Clips;

/// <summary>Options of <see cref="ImageFolderSource"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Default decompression-bomb limit: 40 megapixels.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    /// <summary>Resize, crop and flip applied to each image.</summary>
    public ImageTransform Transform { get; init; } = ImageTransform.None;

    /// <summary>Images whose header announces more pixels (width x height) than this are rejected before decoding.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>
    /// The byte limit of an image file, from the pixel limit: 8 bytes per pixel (uncompressed 16-bit RGBA, the largest
    /// plain encoding) plus 64 MiB for headers and metadata; 384 MiB at the default 40 megapixels. A larger file is
    /// refused before it is read (and a file that grows past it while being read).
    /// </summary>
    public static long MaxFileBytes(long maxPixels) => Math.Min(Array.MaxLength, Math.Min(Math.Max(maxPixels, 0), long.MaxValue / 16) * 8 + (64L << 20));

    /// <summary>
    /// Label each image by the immediate sub-folder of the root that holds it (class names sorted ordinally).
    /// Images lying directly in the root are then an error.
    /// </summary>
    public bool LabelsFromSubfolders { get; init; }

    /// <summary>
    /// Leave out image files and folders whose names are not valid UTF-8 (which .NET cannot open), listing them in
    /// <see cref="ImageFolderSource.UndecodableNames"/>. Default false: such a name is an error naming it.
    /// </summary>
    public bool SkipUndecodableNames { get; init; }
}

/// <summary>
/// The images under a folder, recursively: png, jpg/jpeg, bmp, gif (first frame) and webp, decoded by ImageSharp.
/// The file list is sorted ordinally by relative path, so item i is the same file on every machine.
/// Grey images become RGB with equal channels; images with alpha are composited over black.
/// Before decoding, the header is read (<see cref="Image.Identify(string)"/>) and an image with more than
/// <see cref="ImageFolderOptions.MaxPixels"/> pixels is rejected as a <see cref="BadItemException"/>.
/// </summary>
public sealed class ImageFolderSource : IKeyedClipSource
{
    /// <summary>File extensions that are read (lower case, with the dot).</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    static readonly Configuration Decoding = CreateConfiguration();

    readonly string[] _files;
    readonly string[] _relative;
    readonly int[] _labels;
    readonly ImageFolderOptions _options;

    /// <summary>Lists the images under <paramref name="root"/>; throws when the folder is missing or holds no image.</summary>
    public ImageFolderSource(string root, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _options = options ?? new ImageFolderOptions();
        _options.Transform.Validate();
        if (_options.MaxPixels <= 0)
            throw new ArgumentException($"MaxPixels must be positive, not {_options.MaxPixels}.", nameof(options));
        Root = Path.GetFullPath(root);
        if (!Directory.Exists(Root)) throw new DirectoryNotFoundException($"Image folder '{Root}' does not exist.");

        var listed = FolderWalk.Files(Root, out int skippedLinks, out var undecodable);
        UndecodableNames = undecodable.Where(n => n.EndsWith('/') || Extensions.Contains(Path.GetExtension(n).ToLowerInvariant())).ToArray();
        if (UndecodableNames.Count > 0 && !_options.SkipUndecodableNames)
            throw new InvalidDataException(ViTok.Models.Clips.UndecodableNames.Message(Root, UndecodableNames));
        var files = listed
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Select(f => (Full: f, Relative: Path.GetRelativePath(Root, f).Replace('\\', '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
            throw new ArgumentException($"Image folder '{Root}' holds no image ({string.Join(", ", Extensions)}).", nameof(root));
        _files = files.Select(f => f.Full).ToArray();
        _relative = files.Select(f => f.Relative).ToArray();
        SkippedFolderLinks = skippedLinks;

        if (_options.LabelsFromSubfolders)
        {
            var loose = files.Where(f => !f.Relative.Contains('/')).Select(f => f.Relative).ToArray();
            if (loose.Length > 0)
                throw new ArgumentException(
                    $"Labels from sub-folders were asked for, but {loose.Length} image(s) lie directly in '{Root}' " +
                    $"(e.g. '{loose[0]}'); move them into a class folder.", nameof(options));
            string[] classOf = files.Select(f => f.Relative[..f.Relative.IndexOf('/')]).ToArray();
            ClassNames = classOf.Distinct().Order(StringComparer.Ordinal).ToArray();
            var index = ClassNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
            _labels = classOf.Select(c => index[c]).ToArray();
        }
        else
        {
            ClassNames = [];
            _labels = new int[_files.Length];
            Array.Fill(_labels, -1);
        }
    }

    /// <summary>Symbolic links to folders that were not followed because they lead back into a folder already listed (a cycle or a duplicate).</summary>
    public int SkippedFolderLinks { get; }

    /// <summary>
    /// Image files and folders under the root whose names are not valid UTF-8 (escaped, folders ending in '/'), left out
    /// with <see cref="ImageFolderOptions.SkipUndecodableNames"/> (otherwise the constructor refuses them).
    /// </summary>
    public IReadOnlyList<string> UndecodableNames { get; }

    /// <summary>The folder, as a full path.</summary>
    public string Root { get; }

    /// <summary>The image files in item order (full paths).</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The fingerprint of the files as listed (<see cref="FileFingerprint"/>), taken when first asked for.</summary>
    public string Fingerprint => _fingerprint ??= FileFingerprint.Of(_files);
    string? _fingerprint;

    /// <inheritdoc/>
    public string Description => $"folder {Root} ({_files.Length} images" + (ClassNames.Count > 0 ? $", {ClassNames.Count} classes" : "") +
        (SkippedFolderLinks > 0 ? $"; {SkippedFolderLinks} folder link(s) leading back into the listed tree not followed" : "") +
        (UndecodableNames.Count > 0 ? $"; {UndecodableNames.Count} name(s) that are not valid UTF-8 left out)" : ")");

    /// <inheritdoc/>
    public int Count => _files.Length;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The path of item <paramref name="index"/> relative to <see cref="Root"/>, with '/' separators.</summary>
    public string Key(int index) => _relative[index];

    /// <inheritdoc/>
    public Clip Read(int index, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _files.Length);
        ArgumentNullException.ThrowIfNull(rng);
        string path = _files[index];
        using var image = Decode(path, _options.MaxPixels);
        _options.Transform.Apply(image, rng);
        return new Clip(ClipPixels.FromImage(image), 1, image.Height, image.Width, _labels[index], path);
    }

    /// <summary>
    /// Decodes one image file to RGB: checks the header's pixel count against <paramref name="maxPixels"/> first and
    /// that a JPEG is complete (ImageSharp decodes a cut JPEG without complaint, leaving the missing rows black),
    /// after refusing a file that is not a regular file or holds more than <see cref="ImageFolderOptions.MaxFileBytes"/> bytes,
    /// composites alpha over black, expands grey. Every failure is a <see cref="BadItemException"/> naming the file.
    /// </summary>
    public static Image<Rgb24> Decode(string path, long maxPixels = ImageFolderOptions.DefaultMaxPixels)
    {
        // Special files (FIFOs, devices, sockets, links to them) are refused before they are opened, and the size is
        // capped before and while reading (ImageFileRead).
        byte[] bytes = ImageFileRead.ReadAllBytes(path, ImageFolderOptions.MaxFileBytes(maxPixels));
        return Decode(bytes, path, maxPixels);
    }

    /// <summary>
    /// Decodes an encoded image held in memory as <see cref="Decode(string, long)"/> decodes a file (the same checks);
    /// <paramref name="path"/> is what the <see cref="BadItemException"/> names (a file, or a column and row).
    /// </summary>
    public static Image<Rgb24> Decode(byte[] bytes, string path, long maxPixels = ImageFolderOptions.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        IImageInfo? info;
        IImageFormat format;
        try
        {
            info = Image.Identify(Decoding, bytes, out format);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new BadItemException(path, $"the image header could not be read: {e.Message}", e);
        }
        if (info is null) throw new BadItemException(path, "not a recognised image format (png, jpeg, bmp, gif, webp).");
        long pixels = (long)info.Width * info.Height;
        if (pixels > maxPixels)
            throw new BadItemException(path, $"{info.Width}x{info.Height} = {pixels} pixels exceeds the limit of {maxPixels} pixels (decompression-bomb guard).");
        if (info.Width <= 0 || info.Height <= 0) throw new BadItemException(path, $"invalid size {info.Width}x{info.Height}.");
        if (format is JpegFormat && !JpegMarkers.IsComplete(bytes))
            throw new BadItemException(path, "the JPEG is truncated (its last scan has no end-of-image marker).");

        try
        {
            using var rgba = Image.Load<Rgba32>(Decoding, bytes);
            var rgb = new Image<Rgb24>(Decoding, rgba.Width, rgba.Height);
            rgba.ProcessPixelRows(rgb, (src, dst) =>
            {
                for (int y = 0; y < src.Height; y++)
                {
                    var s = src.GetRowSpan(y);
                    var d = dst.GetRowSpan(y);
                    for (int x = 0; x < s.Length; x++)
                    {
                        var p = s[x];
                        d[x] = p.A == 255 ? new Rgb24(p.R, p.G, p.B)
                            : new Rgb24((byte)((p.R * p.A + 127) / 255), (byte)((p.G * p.A + 127) / 255), (byte)((p.B * p.A + 127) / 255));
                    }
                }
            });
            return rgb;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // Any failure inside a decoder means this file is unreadable (ImageSharp throws several kinds).
            throw new BadItemException(path, $"the image could not be decoded: {e.Message}", e);
        }
    }

    static Configuration CreateConfiguration()
    {
        // The formats of Extensions, in a manager of our own: Clone() shares the default's ImageFormatsManager, so
        // setting the GIF decoder on a clone changed it for the whole process (every later Image.Load of a GIF read one frame).
        // PBM/PPM, TGA and TIFF are left out: a PPM cut short decoded without complaint, its missing rows black.
        var config = new Configuration(
            new SixLabors.ImageSharp.Formats.Png.PngConfigurationModule(),
            new SixLabors.ImageSharp.Formats.Jpeg.JpegConfigurationModule(),
            new GifConfigurationModule(),
            new SixLabors.ImageSharp.Formats.Bmp.BmpConfigurationModule(),
            new SixLabors.ImageSharp.Formats.Webp.WebpConfigurationModule());
        // An animated GIF is read as its first frame only: memory stays bounded by the pixel check above.
        config.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        return config;
    }
}
