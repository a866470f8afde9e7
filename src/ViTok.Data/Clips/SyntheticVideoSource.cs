using SixLabors.ImageSharp.PixelFormats;

namespace ViTok.Models.Clips;

/// <summary>Options of <see cref="SyntheticVideoSource"/>.</summary>
public sealed record SyntheticVideoOptions
{
    /// <summary>Number of clips (default 256).</summary>
    public int Count { get; init; } = 256;

    /// <summary>Frames per clip (default 8).</summary>
    public int Frames { get; init; } = 8;

    /// <summary>Frame height in pixels (default 64).</summary>
    public int Height { get; init; } = 64;

    /// <summary>Frame width in pixels (default 64).</summary>
    public int Width { get; init; } = 64;

    /// <summary>Changes every clip; clip i is the same for the same seed.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// When set, the sprite is a Fashion-MNIST item of this source (tinted, its grey level as opacity) and the
    /// label is the item's class; otherwise the sprite is a procedural shape labelled by its <see cref="ShapeKind"/>.
    /// </summary>
    public FashionMnistSource? FashionMnistSprites { get; init; }
}

/// <summary>
/// Procedural videos, no files: one sprite drifting in a straight line over a still gradient background and
/// bouncing off the borders over <see cref="SyntheticVideoOptions.Frames"/> frames (shapes also spin slowly).
/// The label is the sprite's class. Content depends only on (seed, index); the reader's <see cref="Random"/> is
/// not used, so the same clip comes back whatever the epoch.
/// </summary>
public sealed class SyntheticVideoSource : IClipSource
{
    readonly SyntheticVideoOptions _options;

    /// <summary>Validates the options; nothing is drawn until <see cref="Read"/>.</summary>
    public SyntheticVideoSource(SyntheticVideoOptions? options = null)
    {
        _options = options ?? new SyntheticVideoOptions();
        if (_options.Count < 1) throw new ArgumentException($"Synthetic video count must be positive, not {_options.Count}.", nameof(options));
        if (_options.Frames < 1) throw new ArgumentException($"Synthetic video frames must be positive, not {_options.Frames}.", nameof(options));
        if (_options.Height < 8 || _options.Width < 8)
            throw new ArgumentException($"Synthetic video frames must be at least 8x8, not {_options.Width}x{_options.Height}.", nameof(options));
    }

    /// <inheritdoc/>
    public string Description =>
        $"synthetic video {(_options.FashionMnistSprites is null ? "shape" : "fashion-mnist")} sprites " +
        $"({_options.Count} clips of {_options.Frames} frames, {_options.Width}x{_options.Height}, seed {_options.Seed})";

    /// <inheritdoc/>
    public int Count => _options.Count;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => _options.FashionMnistSprites?.ClassNames ?? ShapeKinds.Names;

    /// <inheritdoc/>
    public Clip Read(int index, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int w = _options.Width, h = _options.Height, frames = _options.Frames;
        var g = new Random(DeterministicRandom.Seed(_options.Seed, index, 0x51DE0));

        var background = new ShapeCanvas(w, h);
        Rgb24 a = ShapeCanvas.RandomColour(g), b = ShapeCanvas.RandomColour(g);
        background.FillGradient(a, b, g.NextDouble() * 2 * Math.PI, noise: 4, g);
        var colour = ShapeCanvas.Contrasting(ShapeCanvas.Mean(a, b), g);
        var second = ShapeCanvas.Contrasting(colour, g);

        int side = Math.Min(w, h);
        double size = side * (0.3 + 0.2 * g.NextDouble());
        double x = g.NextDouble() * (w - size), y = g.NextDouble() * (h - size);
        double direction = g.NextDouble() * 2 * Math.PI, speed = side / 32.0 * (1 + 2 * g.NextDouble());
        double vx = speed * Math.Cos(direction), vy = speed * Math.Sin(direction);
        double angle = g.NextDouble() * 2 * Math.PI, spin = (g.NextDouble() - 0.5) * 0.3;

        var fm = _options.FashionMnistSprites;
        int label, item = -1;
        if (fm is null) label = index % ShapeKinds.Count;
        else
        {
            item = g.Next(fm.Count);
            label = fm.LabelOf(item);
        }

        var pixels = new float[3 * frames * h * w];
        var frame = new ShapeCanvas(w, h);
        for (int t = 0; t < frames; t++)
        {
            frame.CopyFrom(background);
            double left = Bounce(x + vx * t, w - size), top = Bounce(y + vy * t, h - size);
            if (fm is null)
                frame.DrawShape((ShapeKind)label, left + size / 2, top + size / 2, size / 2, angle + spin * t, colour, second);
            else
                frame.DrawAlphaSprite(fm.RawPixels(item), FashionMnistSource.ItemSide, left, top, size, colour);
            ClipPixels.WriteFrame(pixels, t, frames, h, w, frame.Rgb);
        }
        string origin = fm is null ? $"synthetic-video:sprites#{index}" : $"synthetic-video:fashion-mnist#{index}";
        return new Clip(pixels, frames, h, w, label, origin);
    }

    /// <summary>Folds a straight-line position into [0, max] as if it bounced off both ends.</summary>
    internal static double Bounce(double position, double max)
    {
        if (max <= 0) return 0;
        double period = 2 * max, p = position % period;
        if (p < 0) p += period;
        return p <= max ? p : period - p;
    }
}
