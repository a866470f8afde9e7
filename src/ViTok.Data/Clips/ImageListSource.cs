namespace ViTok.Models.Clips;

/// <summary>Options of <see cref="ImageListSource"/>.</summary>
public sealed record ImageListOptions
{
    /// <summary>The column of a CSV or Parquet list that holds the paths.</summary>
    public string Column { get; init; } = PathList.DefaultColumn;

    /// <summary>A column of class names (CSV or Parquet lists); null = unlabelled. Classes are the distinct names, sorted ordinally.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Resize, crop and flip applied to each image.</summary>
    public ImageTransform Transform { get; init; } = ImageTransform.None;

    /// <summary>Images whose header announces more pixels than this are rejected before decoding.</summary>
    public long MaxPixels { get; init; } = ImageFolderOptions.DefaultMaxPixels;
}

/// <summary>
/// The images a list names (<see cref="PathList"/>: a text, CSV or Parquet file), in list order, decoded as
/// <see cref="ImageFolderSource"/> decodes them (same formats, pixel limit and checks). Files are opened only when
/// read: a missing or unreadable one is a <see cref="BadItemException"/> naming it. Each item's
/// <see cref="Key"/> is its path as listed.
/// </summary>
public sealed class ImageListSource : IKeyedClipSource
{
    readonly IReadOnlyList<ListedPath> _items;
    readonly int[] _labels;
    readonly ImageListOptions _options;

    /// <summary>Reads the list <paramref name="listFile"/>; throws naming the file and line or row when it is malformed.</summary>
    public ImageListSource(string listFile, ImageListOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(listFile);
        _options = options ?? new ImageListOptions();
        _options.Transform.Validate();
        if (_options.MaxPixels <= 0) throw new ArgumentException($"MaxPixels must be positive, not {_options.MaxPixels}.", nameof(options));
        ListFile = Path.GetFullPath(listFile);
        _items = PathList.Read(ListFile, _options.Column, _options.LabelColumn);
        if (_options.LabelColumn is not null)
        {
            ClassNames = _items.Select(i => i.Label!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var index = ClassNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
            _labels = _items.Select(i => index[i.Label!]).ToArray();
        }
        else
        {
            ClassNames = [];
            _labels = Enumerable.Repeat(-1, _items.Count).ToArray();
        }
    }

    /// <summary>The list file, as a full path.</summary>
    public string ListFile { get; }

    /// <inheritdoc/>
    /// <summary>The fingerprint of the listed files (<see cref="FileFingerprint"/>), taken when first asked for.</summary>
    public string Fingerprint => _fingerprint ??= FileFingerprint.Of(_items.Select(i => i.FullPath));
    string? _fingerprint;

    public string Description => $"list {ListFile} ({_items.Count} images" + (ClassNames.Count > 0 ? $", {ClassNames.Count} classes)" : ")");

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc/>
    public string Key(int index) => _items[index].Listed;

    /// <inheritdoc/>
    public Clip Read(int index, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _items.Count);
        ArgumentNullException.ThrowIfNull(rng);
        string path = _items[index].FullPath;
        using var image = ImageFolderSource.Decode(path, _options.MaxPixels);
        _options.Transform.Apply(image, rng);
        return new Clip(ClipPixels.FromImage(image), 1, image.Height, image.Width, _labels[index], path);
    }
}
