using SixLabors.ImageSharp.PixelFormats;

namespace ViTok.Models.Clips;

/// <summary>Options of <see cref="SyntheticImageSource"/>.</summary>
public sealed record SyntheticImageOptions
{
    /// <summary>Number of items (default 1024).</summary>
    public int Count { get; init; } = 1024;

    /// <summary>Image height in pixels (default 64).</summary>
    public int Height { get; init; } = 64;

    /// <summary>Image width in pixels (default 64).</summary>
    public int Width { get; init; } = 64;

    /// <summary>Changes every picture; item i is the same for the same seed.</summary>
    public int Seed { get; init; }

    /// <summary>Resize, crop and flip applied after drawing (randomness from the reader's <see cref="Random"/>).</summary>
    public ImageTransform Transform { get; init; } = ImageTransform.None;
}

/// <summary>
/// Procedural images, no files: a noisy two-colour gradient background with one shape or textured patch of
/// kind <c>index % 8</c> (<see cref="ShapeKind"/>, which is the label, so classes are balanced), at a random
/// place, size, rotation and colour. The content depends only on (seed, index); the reader's
/// <see cref="Random"/> drives only the <see cref="SyntheticImageOptions.Transform"/>.
/// </summary>
public sealed class SyntheticImageSource : IClipSource
{
    readonly SyntheticImageOptions _options;

    /// <summary>Validates the options; nothing is drawn until <see cref="Read"/>.</summary>
    public SyntheticImageSource(SyntheticImageOptions? options = null)
    {
        _options = options ?? new SyntheticImageOptions();
        if (_options.Count < 1) throw new ArgumentException($"Synthetic image count must be positive, not {_options.Count}.", nameof(options));
        if (_options.Height < 4 || _options.Width < 4)
            throw new ArgumentException($"Synthetic images must be at least 4x4, not {_options.Width}x{_options.Height}.", nameof(options));
        _options.Transform.Validate();
    }

    /// <inheritdoc/>
    public string Description => $"synthetic shapes ({_options.Count} images, {_options.Width}x{_options.Height}, seed {_options.Seed})";

    /// <inheritdoc/>
    public int Count => _options.Count;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => ShapeKinds.Names;

    /// <inheritdoc/>
    public Clip Read(int index, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        ArgumentNullException.ThrowIfNull(rng);
        var kind = (ShapeKind)(index % ShapeKinds.Count);
        var canvas = Draw(kind, _options.Width, _options.Height, new Random(DeterministicRandom.Seed(_options.Seed, index)));
        string origin = $"synthetic:shapes#{index}";
        if (_options.Transform.IsIdentity)
        {
            var pixels = new float[3 * canvas.Width * canvas.Height];
            ClipPixels.WriteFrame(pixels, 0, 1, canvas.Height, canvas.Width, canvas.Rgb);
            return new Clip(pixels, 1, canvas.Height, canvas.Width, (int)kind, origin);
        }
        using var image = canvas.ToImage();
        _options.Transform.Apply(image, rng);
        return new Clip(ClipPixels.FromImage(image), 1, image.Height, image.Width, (int)kind, origin);
    }

    static ShapeCanvas Draw(ShapeKind kind, int width, int height, Random g)
    {
        var canvas = new ShapeCanvas(width, height);
        Rgb24 a = ShapeCanvas.RandomColour(g), b = ShapeCanvas.RandomColour(g);
        canvas.FillGradient(a, b, g.NextDouble() * 2 * Math.PI, noise: 6, g);
        int side = Math.Min(width, height);
        double radius = side * (0.2 + 0.25 * g.NextDouble());
        double cx = radius + g.NextDouble() * (width - 2 * radius), cy = radius + g.NextDouble() * (height - 2 * radius);
        var colour = ShapeCanvas.Contrasting(ShapeCanvas.Mean(a, b), g);
        var second = ShapeCanvas.Contrasting(colour, g);
        canvas.DrawShape(kind, cx, cy, radius, g.NextDouble() * 2 * Math.PI, colour, second);
        return canvas;
    }
}
