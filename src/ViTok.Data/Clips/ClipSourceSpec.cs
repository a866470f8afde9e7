using System.Globalization;

namespace ViTok.Models.Clips;

/// <summary>
/// Values a program supplies for what a SOURCE text leaves out (e.g. the model's image size and clip length).
/// </summary>
/// <param name="Size">
/// Square output size. Folders and videos without resize/crop keys get "resize to Size, crop Size x Size"
/// (crop-mode and flip keys still apply);
/// synthetic sources draw at this size; Fashion-MNIST is fitted to it. Null = each scheme's own default.
/// </param>
/// <param name="Frames">Frames per clip of the video schemes when the text has no frames key; null = scheme default.</param>
/// <param name="Seed">Seed of the synthetic schemes when the text has no seed key.</param>
/// <param name="SkipUndecodableNames">
/// Folders leave out image files whose names are not valid UTF-8 (<see cref="ImageFolderOptions.SkipUndecodableNames"/>)
/// instead of refusing them.
/// </param>
public sealed record ClipSourceDefaults(int? Size = null, int? Frames = null, int Seed = 0, bool SkipUndecodableNames = false);

/// <summary>
/// A parsed SOURCE text, the one syntax by which the command line names training or evaluation data:
/// <code>
/// SCHEME[:ARGUMENT][?KEY=VALUE[&amp;KEY=VALUE]...]
///
/// folder:PATH                      images under PATH, recursively (png jpg bmp gif webp)
///     labels=subfolders|none       class = immediate sub-folder of PATH (default none)
///     max-pixels=N                 decompression-bomb limit from the header (default 40000000)
/// list:FILE                        the images a list names: FILE.txt (a path per line), FILE.csv (header row)
///                                  or FILE.parquet; relative paths are relative to FILE's folder
///     column=NAME                  CSV/Parquet column of paths (default path)
///     label=NAME                   CSV/Parquet column of class names (default none)
///     max-pixels=N                 as for folder
/// fashion-mnist[:DIR]              IDX files, raw or .gz (default DIR /usr/share/datasets/fashion-mnist)
///     split=train|test             (default train)
///     size=N                       output side (default 32); fit=pad|resize (default pad up to 32, resize above)
/// synthetic[:shapes]               procedural shapes and textures, labelled by kind
///     count=N size=N|WxH seed=N    (defaults 1024, 64, 0)
/// synthetic-video[:sprites|:fashion-mnist]
///                                  a sprite bouncing over T frames; sprites = shapes (default) or
///                                  Fashion-MNIST items (dir=DIR split=train|test choose the files)
///     count=N frames=N size=N|WxH seed=N   (defaults 256, 8, 64, 0)
/// video:PATH                       a video file, or every video under a folder, decoded by ffmpeg
///     frames=N step=N stride=N     T frames per clip, every step-th frame, clips stride frames apart
///                                  (defaults 16, 1, frames x step)
///     ffmpeg=DIR                   folder holding ffmpeg and ffprobe (default: PATH)
///
/// Image keys, for folder, list, fashion-mnist, synthetic and video:
///     resize=N                     shorter side to N (0 = keep)
///     crop=N|WxH                   crop size (0 = none); crop-mode=center|random (default center)
///     flip=P                       horizontal flip probability (default 0)
///     Without resize and crop keys, folder and video are resized and cropped to the caller's default size.
/// </code>
/// Examples: <c>folder:/data/photos?resize=256&amp;crop=256&amp;crop-mode=random&amp;flip=0.5</c>,
/// <c>fashion-mnist?split=test</c>, <c>synthetic:shapes?count=5000&amp;size=32</c>,
/// <c>synthetic-video:fashion-mnist?frames=8</c>, <c>video:/data/clips?frames=16&amp;step=2&amp;resize=128&amp;crop=128</c>.
/// The scheme ends at the first ':' and the argument at the first '?', so paths may hold ':' (C:\data) but not '?'.
/// Unknown schemes or keys, a missing path and malformed values raise <see cref="ArgumentException"/> quoting the text.
/// </summary>
public sealed record ClipSourceSpec
{
    static readonly string[] ImageKeys = ["resize", "crop", "crop-mode", "flip"];

    static readonly Dictionary<string, (bool NeedsArgument, string[] Arguments, string[] Keys)> Schemes = new(StringComparer.Ordinal)
    {
        ["folder"] = (true, [], ["labels", "max-pixels", .. ImageKeys]),
        ["list"] = (true, [], ["column", "label", "max-pixels", .. ImageKeys]),
        ["fashion-mnist"] = (false, [], ["split", "size", "fit", .. ImageKeys]),
        ["synthetic"] = (false, ["shapes"], ["count", "size", "seed", .. ImageKeys]),
        ["synthetic-video"] = (false, ["sprites", "fashion-mnist"], ["count", "frames", "size", "seed", "dir", "split"]),
        ["video"] = (true, [], ["frames", "step", "stride", "ffmpeg", .. ImageKeys]),
    };

    ClipSourceSpec(string text, string scheme, string? argument, IReadOnlyDictionary<string, string> options)
    {
        Text = text;
        Scheme = scheme;
        Argument = argument;
        Options = options;
    }

    /// <summary>The text as given.</summary>
    public string Text { get; }

    /// <summary>folder, list, fashion-mnist, synthetic, synthetic-video or video.</summary>
    public string Scheme { get; }

    /// <summary>What follows "SCHEME:" up to '?': a path, a folder or a kind; null when absent.</summary>
    public string? Argument { get; }

    /// <summary>The KEY=VALUE pairs after '?'.</summary>
    public IReadOnlyDictionary<string, string> Options { get; }

    /// <summary>
    /// The text in one spelling: lower-case scheme, a folder or video path made absolute (without a trailing separator),
    /// keys sorted. Two texts that differ only in spacing, key order or a relative path have the same canonical form.
    /// </summary>
    public string Canonical
    {
        get
        {
            string? argument = Argument is not null && Scheme is "folder" or "video"
                ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(Argument.Trim()))
                : Argument?.Trim();
            string keys = string.Join("&", Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}"));
            return Scheme + (argument is null ? "" : ":" + argument) + (keys.Length == 0 ? "" : "?" + keys);
        }
    }

    /// <summary>One line for a command's help; the full grammar is in this type's documentation.</summary>
    public const string Usage =
        "folder:PATH | list:FILE(.txt|.csv|.parquet) | fashion-mnist[:DIR] | synthetic[:shapes] | synthetic-video[:sprites|:fashion-mnist] | video:PATH, " +
        "each optionally followed by ?KEY=VALUE&... (e.g. folder:/data?resize=256&crop=256&flip=0.5)";

    /// <summary>The schemes understood.</summary>
    public static IReadOnlyCollection<string> SchemeNames => Schemes.Keys;

    /// <summary>Parses and checks the syntax (scheme, argument, keys) without touching any file.</summary>
    public static ClipSourceSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string body = text.Trim();
        if (body.Length == 0) throw Error(text, "is empty; expected SCHEME[:ARGUMENT][?KEY=VALUE&...] with a scheme among " + string.Join(", ", Schemes.Keys));
        string query = "";
        int q = body.IndexOf('?');
        if (q >= 0) (body, query) = (body[..q], body[(q + 1)..]);
        int colon = body.IndexOf(':');
        string scheme = (colon >= 0 ? body[..colon] : body).Trim().ToLowerInvariant();
        string? argument = colon >= 0 ? body[(colon + 1)..] : null;
        if (string.IsNullOrWhiteSpace(argument)) argument = null;

        if (!Schemes.TryGetValue(scheme, out var rule))
            throw Error(text, $"has the unknown scheme '{scheme}'; known schemes: {string.Join(", ", Schemes.Keys)}");
        if (rule.NeedsArgument && argument is null)
            throw Error(text, $"needs a path: {scheme}:PATH");
        if (argument is not null && rule.Arguments.Length > 0 && !rule.Arguments.Contains(argument, StringComparer.Ordinal))
            throw Error(text, $"has the unknown kind '{argument}' for {scheme}; use {string.Join(" or ", rule.Arguments.Select(a => scheme + ":" + a))}");

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw Error(text, $"has '{pair}' where KEY=VALUE was expected");
            string key = pair[..eq].Trim().ToLowerInvariant(), value = pair[(eq + 1)..].Trim();
            if (!rule.Keys.Contains(key))
                throw Error(text, $"has the unknown key '{key}' for {scheme}; known keys: {string.Join(", ", rule.Keys)}");
            if (!options.TryAdd(key, value)) throw Error(text, $"gives the key '{key}' twice");
        }
        if (options.ContainsKey("dir") && argument != "fashion-mnist")
            throw Error(text, "uses dir=, which only applies to synthetic-video:fashion-mnist");
        if (options.ContainsKey("split") && scheme == "synthetic-video" && argument != "fashion-mnist")
            throw Error(text, "uses split=, which only applies to synthetic-video:fashion-mnist");
        return new ClipSourceSpec(text, scheme, argument, options);
    }

    /// <summary>Parses <paramref name="text"/> and opens the source it names.</summary>
    public static IClipSource Open(string text, ClipSourceDefaults? defaults = null) => Parse(text).Open(defaults);

    /// <summary>
    /// Opens the source: converts the values (an <see cref="ArgumentException"/> quoting the text when one is malformed)
    /// and constructs it, which may fail on missing files as the source's constructor says.
    /// </summary>
    public IClipSource Open(ClipSourceDefaults? defaults = null)
    {
        defaults ??= new ClipSourceDefaults();
        int seed = Int("seed", defaults.Seed, min: int.MinValue);
        switch (Scheme)
        {
            case "folder":
                return new ImageFolderSource(Argument!, new ImageFolderOptions
                {
                    Transform = Transform(defaults.Size, squareByDefault: true),
                    MaxPixels = Long("max-pixels", ImageFolderOptions.DefaultMaxPixels, min: 1),
                    LabelsFromSubfolders = Choice("labels", "none", "subfolders", "none") == "subfolders",
                    SkipUndecodableNames = defaults.SkipUndecodableNames,
                });
            case "list":
                return new ImageListSource(Argument!, new ImageListOptions
                {
                    Column = Options.GetValueOrDefault("column") ?? PathList.DefaultColumn,
                    LabelColumn = Options.GetValueOrDefault("label"),
                    Transform = Transform(defaults.Size, squareByDefault: true),
                    MaxPixels = Long("max-pixels", ImageFolderOptions.DefaultMaxPixels, min: 1),
                });
            case "fashion-mnist":
            {
                int size = Int("size", defaults.Size ?? 32, min: 1);
                return new FashionMnistSource(new FashionMnistOptions
                {
                    Directory = Argument ?? FashionMnistOptions.DefaultDirectory,
                    Split = Split(),
                    Size = size,
                    Fit = Choice("fit", size <= 32 ? "pad" : "resize", "pad", "resize") == "pad" ? FashionMnistFit.Pad : FashionMnistFit.Resize,
                    Transform = Transform(null, squareByDefault: false),
                });
            }
            case "synthetic":
            {
                var (w, h) = Size("size", defaults.Size ?? 64);
                return new SyntheticImageSource(new SyntheticImageOptions
                {
                    Count = Int("count", 1024, min: 1), Width = w, Height = h, Seed = seed,
                    Transform = Transform(null, squareByDefault: false),
                });
            }
            case "synthetic-video":
            {
                var (w, h) = Size("size", defaults.Size ?? 64);
                FashionMnistSource? sprites = Argument == "fashion-mnist"
                    ? new FashionMnistSource(new FashionMnistOptions
                    {
                        Directory = Options.GetValueOrDefault("dir") ?? FashionMnistOptions.DefaultDirectory,
                        Split = Split(),
                    })
                    : null;
                return new SyntheticVideoSource(new SyntheticVideoOptions
                {
                    Count = Int("count", 256, min: 1), Frames = Int("frames", defaults.Frames ?? 8, min: 1),
                    Width = w, Height = h, Seed = seed, FashionMnistSprites = sprites,
                });
            }
            case "video":
                return new VideoFileSource(Argument!, new VideoFileOptions
                {
                    Frames = Int("frames", defaults.Frames ?? 16, min: 1),
                    FrameStep = Int("step", 1, min: 1),
                    Stride = Int("stride", 0, min: 0),
                    FfmpegFolder = Options.GetValueOrDefault("ffmpeg"),
                    Transform = Transform(defaults.Size, squareByDefault: true),
                });
            default:
                throw Error(Text, $"has the unknown scheme '{Scheme}'");
        }
    }

    /// <summary>
    /// The image keys. Without resize and crop keys, and with <paramref name="squareByDefault"/> and a default size,
    /// the picture is resized and cropped to that size (crop-mode and flip still apply).
    /// </summary>
    ImageTransform Transform(int? defaultSize, bool squareByDefault)
    {
        bool sized = Options.ContainsKey("resize") || Options.ContainsKey("crop");
        var (cw, ch) = Options.ContainsKey("crop") ? Size("crop", 0, allowZero: true) : (0, 0);
        int resize = Int("resize", 0, min: 0);
        if (!sized && squareByDefault && defaultSize is int size) (resize, cw, ch) = (size, size, size);
        var transform = new ImageTransform
        {
            ResizeShorterSide = resize,
            CropWidth = cw,
            CropHeight = ch,
            Crop = Choice("crop-mode", "center", "center", "random") == "random" ? CropMode.Random : CropMode.Center,
            FlipProbability = Probability("flip"),
        };
        try { transform.Validate(); }
        catch (ArgumentException e) { throw Error(Text, e.Message); }
        return transform;
    }

    FashionMnistSplit Split() => Choice("split", "train", "train", "test") == "train" ? FashionMnistSplit.Train : FashionMnistSplit.Test;

    int Int(string key, int fallback, int min)
    {
        if (!Options.TryGetValue(key, out string? v)) return fallback;
        if (!int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) || n < min)
            throw Error(Text, $"has {key}={v}; expected an integer" + (min > int.MinValue ? $" >= {min}" : ""));
        return n;
    }

    long Long(string key, long fallback, long min)
    {
        if (!Options.TryGetValue(key, out string? v)) return fallback;
        if (!long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < min)
            throw Error(Text, $"has {key}={v}; expected an integer >= {min}");
        return n;
    }

    double Probability(string key)
    {
        if (!Options.TryGetValue(key, out string? v)) return 0;
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) || !(p >= 0 && p <= 1))
            throw Error(Text, $"has {key}={v}; expected a probability between 0 and 1");
        return p;
    }

    string Choice(string key, string fallback, params string[] allowed)
    {
        if (!Options.TryGetValue(key, out string? v)) return fallback;
        string value = v.ToLowerInvariant();
        if (!allowed.Contains(value)) throw Error(Text, $"has {key}={v}; expected {string.Join(" or ", allowed)}");
        return value;
    }

    /// <summary>N (square) or WxH.</summary>
    (int Width, int Height) Size(string key, int fallback, bool allowZero = false)
    {
        if (!Options.TryGetValue(key, out string? v)) return (fallback, fallback);
        int min = allowZero ? 0 : 1;
        var parts = v.ToLowerInvariant().Split('x');
        int[] numbers = new int[parts.Length];
        bool ok = parts.Length is 1 or 2 && parts.Select((p, i) =>
            int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]) && numbers[i] >= min).All(b => b);
        if (!ok) throw Error(Text, $"has {key}={v}; expected N or WxH with integers >= {min}");
        return parts.Length == 1 ? (numbers[0], numbers[0]) : (numbers[0], numbers[1]);
    }

    static ArgumentException Error(string text, string problem) => new($"Source '{text}' {problem.TrimEnd('.')}.");
}
