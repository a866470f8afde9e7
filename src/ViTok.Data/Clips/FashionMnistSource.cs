using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ViTok.Models.Clips;

/// <summary>Which Fashion-MNIST files to read: train (60,000 items) or test (10,000, files named t10k-*).</summary>
public enum FashionMnistSplit
{
    /// <summary>train-images-idx3-ubyte / train-labels-idx1-ubyte.</summary>
    Train,
    /// <summary>t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte.</summary>
    Test,
}

/// <summary>How the 28x28 items are brought to <see cref="FashionMnistOptions.Size"/>.</summary>
public enum FashionMnistFit
{
    /// <summary>Centred on a black border (the items' own background); needs Size &gt;= 28. Pixels stay exact.</summary>
    Pad,
    /// <summary>Bilinear resize to Size x Size.</summary>
    Resize,
}

/// <summary>Options of <see cref="FashionMnistSource"/>.</summary>
public sealed record FashionMnistOptions
{
    /// <summary>Where Debian's package dataset-fashion-mnist installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Folder that holds the IDX files (raw or .gz).</summary>
    public string Directory { get; init; } = DefaultDirectory;

    /// <summary>Train or test files.</summary>
    public FashionMnistSplit Split { get; init; } = FashionMnistSplit.Train;

    /// <summary>Side of the square output before <see cref="Transform"/> (default 32).</summary>
    public int Size { get; init; } = 32;

    /// <summary>Pad (default) or bilinear resize from 28x28 to <see cref="Size"/>.</summary>
    public FashionMnistFit Fit { get; init; } = FashionMnistFit.Pad;

    /// <summary>Crop and flip applied after fitting.</summary>
    public ImageTransform Transform { get; init; } = ImageTransform.None;
}

/// <summary>
/// Fashion-MNIST from its IDX files, raw or gzipped: 28x28 grey items turned into RGB (equal channels),
/// fitted to <see cref="FashionMnistOptions.Size"/> by padding or bilinear resize, labelled with the 10 classes.
/// The files are read into memory once (47 MB for train) and validated: magic numbers, 28x28 items, one label
/// per image, labels below 10; errors name the file.
/// </summary>
public sealed class FashionMnistSource : IClipSource
{
    /// <summary>Side of the stored items.</summary>
    public const int ItemSide = 28;

    /// <summary>The ten classes, in label order.</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    readonly byte[] _images;
    readonly byte[] _labels;
    readonly FashionMnistOptions _options;
    readonly string _name;

    /// <summary>Reads and validates the split's two files from <see cref="FashionMnistOptions.Directory"/>.</summary>
    public FashionMnistSource(FashionMnistOptions? options = null)
    {
        _options = options ?? new FashionMnistOptions();
        _options.Transform.Validate();
        if (_options.Size < 1) throw new ArgumentException($"Fashion-MNIST size must be positive, not {_options.Size}.", nameof(options));
        if (_options.Fit == FashionMnistFit.Pad && _options.Size < ItemSide)
            throw new ArgumentException($"Fashion-MNIST size {_options.Size} is smaller than 28: padding cannot shrink; use the resize fit.", nameof(options));
        if (!System.IO.Directory.Exists(_options.Directory))
            throw new DirectoryNotFoundException(
                $"Fashion-MNIST folder '{_options.Directory}' does not exist (Debian: apt-get install dataset-fashion-mnist).");

        string prefix = _options.Split == FashionMnistSplit.Train ? "train" : "t10k";
        _name = _options.Split == FashionMnistSplit.Train ? "train" : "test";
        var images = IdxFile.Read(Locate(_options.Directory, $"{prefix}-images-idx3-ubyte"), rank: 3);
        var labels = IdxFile.Read(Locate(_options.Directory, $"{prefix}-labels-idx1-ubyte"), rank: 1);
        if (images.Dimensions[1] != ItemSide || images.Dimensions[2] != ItemSide)
            throw new InvalidDataException($"'{images.Path}' holds {images.Dimensions[1]}x{images.Dimensions[2]} images; Fashion-MNIST items are 28x28.");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new InvalidDataException($"'{images.Path}' holds {images.Dimensions[0]} images but '{labels.Path}' holds {labels.Dimensions[0]} labels.");
        if (images.Dimensions[0] == 0) throw new InvalidDataException($"'{images.Path}' holds no images.");
        int bad = Array.FindIndex(labels.Data, l => l >= Classes.Count);
        if (bad >= 0) throw new InvalidDataException($"'{labels.Path}' item {bad} has label {labels.Data[bad]}; Fashion-MNIST labels are 0..9.");
        _images = images.Data;
        _labels = labels.Data;
        ImagesFile = images.Path;
    }

    /// <summary>The images file read (raw or .gz).</summary>
    public string ImagesFile { get; }

    /// <inheritdoc/>
    public string Description => $"fashion-mnist {_name} ({Count} items, {_options.Size}x{_options.Size}, {_options.Fit.ToString().ToLowerInvariant()})";

    /// <inheritdoc/>
    public int Count => _labels.Length;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => Classes;

    /// <summary>The stored 28x28 grey bytes of item <paramref name="index"/> (0 = black background).</summary>
    public ReadOnlySpan<byte> RawPixels(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _images.AsSpan(index * ItemSide * ItemSide, ItemSide * ItemSide);
    }

    /// <summary>The label of item <paramref name="index"/>.</summary>
    public int LabelOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _labels[index];
    }

    /// <inheritdoc/>
    public Clip Read(int index, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var raw = RawPixels(index);
        int size = _options.Size;
        using var image = new Image<Rgb24>(ItemSide, ItemSide);
        for (int y = 0; y < ItemSide; y++)
            for (int x = 0; x < ItemSide; x++)
            {
                byte v = raw[y * ItemSide + x];
                image[x, y] = new Rgb24(v, v, v);
            }
        if (size != ItemSide)
        {
            if (_options.Fit == FashionMnistFit.Pad)
                image.Mutate(c => c.Pad(size, size, Color.Black));
            else
                image.Mutate(c => c.Resize(size, size, KnownResamplers.Triangle));
        }
        _options.Transform.Apply(image, rng);
        return new Clip(ClipPixels.FromImage(image), 1, image.Height, image.Width, _labels[index], $"fashion-mnist:{_name}#{index}");
    }

    static string Locate(string dir, string name)
    {
        string raw = System.IO.Path.Combine(dir, name), gz = raw + ".gz";
        if (File.Exists(raw)) return raw;
        if (File.Exists(gz)) return gz;
        throw new FileNotFoundException($"Fashion-MNIST file '{raw}' (or '{gz}') does not exist.", raw);
    }
}
