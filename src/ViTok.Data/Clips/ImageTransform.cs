using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ViTok.Models.Clips;

/// <summary>How an image or video frame is cropped.</summary>
public enum CropMode
{
    /// <summary>The centre of the (resized) picture.</summary>
    Center,
    /// <summary>A uniformly random position, drawn from the item's <see cref="Random"/>.</summary>
    Random,
}

/// <summary>
/// Resize, crop and flip shared by the image-like sources (image folders, Fashion-MNIST, synthetic images)
/// and video files, applied in that order:
/// <list type="number">
/// <item>resize so that the shorter side is <see cref="ResizeShorterSide"/> (aspect kept; 0 = keep the size);</item>
/// <item>crop <see cref="CropHeight"/> x <see cref="CropWidth"/> at the centre or at a random place
/// (0 = no crop); when the picture is smaller than the crop it is first scaled up, aspect kept, just enough to cover it;</item>
/// <item>mirror left-right with probability <see cref="FlipProbability"/>.</item>
/// </list>
/// All randomness comes from the <see cref="Random"/> passed to <see cref="Plan"/>, drawn in a fixed order
/// (crop x, crop y, flip), and the same plan applies to every frame of a video clip.
/// </summary>
public sealed record ImageTransform
{
    /// <summary>No resize, no crop, no flip.</summary>
    public static ImageTransform None { get; } = new();

    /// <summary>Target length of the shorter side after resizing; 0 keeps the original size.</summary>
    public int ResizeShorterSide { get; init; }

    /// <summary>Crop height in pixels; 0 = no crop (then <see cref="CropWidth"/> must be 0 too).</summary>
    public int CropHeight { get; init; }

    /// <summary>Crop width in pixels; 0 = no crop (then <see cref="CropHeight"/> must be 0 too).</summary>
    public int CropWidth { get; init; }

    /// <summary>Centre or random crop.</summary>
    public CropMode Crop { get; init; } = CropMode.Center;

    /// <summary>Probability in [0, 1] of a horizontal flip.</summary>
    public double FlipProbability { get; init; }

    /// <summary>The usual training transform: shorter side to <paramref name="size"/>, then a square crop of that size.</summary>
    public static ImageTransform ResizeAndCrop(int size, CropMode crop = CropMode.Center, double flip = 0) =>
        new() { ResizeShorterSide = size, CropHeight = size, CropWidth = size, Crop = crop, FlipProbability = flip };

    /// <summary>True when <see cref="Apply"/> would return the image unchanged.</summary>
    public bool IsIdentity => ResizeShorterSide == 0 && CropHeight == 0 && CropWidth == 0 && FlipProbability == 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is out of range.</summary>
    public void Validate()
    {
        if (ResizeShorterSide < 0) throw new ArgumentException($"Resize size must be 0 (none) or positive, not {ResizeShorterSide}.", nameof(ResizeShorterSide));
        if (CropHeight < 0 || CropWidth < 0 || (CropHeight == 0) != (CropWidth == 0))
            throw new ArgumentException($"Crop must be 0x0 (none) or positive in both directions, not {CropHeight}x{CropWidth}.", nameof(CropHeight));
        if (!(FlipProbability >= 0 && FlipProbability <= 1))
            throw new ArgumentException($"Flip probability must be in [0, 1], not {FlipProbability}.", nameof(FlipProbability));
        if (!Enum.IsDefined(Crop)) throw new ArgumentException($"Unknown crop mode {Crop}.", nameof(Crop));
    }

    /// <summary>Size of the output for an input of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public (int Width, int Height) OutputSize(int width, int height) =>
        CropWidth > 0 ? (CropWidth, CropHeight) : ResizedSize(width, height);

    /// <summary>Decides the resize, crop rectangle and flip for one picture, drawing from <paramref name="rng"/>.</summary>
    public TransformPlan Plan(int width, int height, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (width <= 0 || height <= 0) throw new ArgumentException($"Picture size must be positive, not {width}x{height}.");
        var (w, h) = ResizedSize(width, height);
        var crop = new Rectangle(0, 0, w, h);
        if (CropWidth > 0)
        {
            int x = (w - CropWidth) / 2, y = (h - CropHeight) / 2;
            if (Crop == CropMode.Random)
            {
                x = rng.Next(w - CropWidth + 1);
                y = rng.Next(h - CropHeight + 1);
            }
            crop = new Rectangle(x, y, CropWidth, CropHeight);
        }
        bool flip = FlipProbability > 0 && rng.NextDouble() < FlipProbability;
        return new TransformPlan(w, h, crop, flip);
    }

    /// <summary>Plans and applies the transform to <paramref name="image"/> in place.</summary>
    public void Apply(Image<Rgb24> image, Random rng)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (IsIdentity) return;
        Plan(image.Width, image.Height, rng).Apply(image);
    }

    (int Width, int Height) ResizedSize(int width, int height)
    {
        double scale = 1;
        if (ResizeShorterSide > 0) scale = (double)ResizeShorterSide / Math.Min(width, height);
        if (CropWidth > 0)
            scale = Math.Max(scale, Math.Max((double)CropWidth / width, (double)CropHeight / height));
        if (scale == 1) return (width, height);
        // Round, but never below the crop or the asked shorter side (floating point could give 1 pixel less).
        int w = Math.Max(1, (int)Math.Round(width * scale)), h = Math.Max(1, (int)Math.Round(height * scale));
        if (CropWidth > 0) { w = Math.Max(w, CropWidth); h = Math.Max(h, CropHeight); }
        return (w, h);
    }
}

/// <summary>What <see cref="ImageTransform.Plan"/> decided for one picture: resize to
/// <see cref="ResizedWidth"/> x <see cref="ResizedHeight"/>, keep <see cref="Crop"/>, mirror when <see cref="Flip"/>.</summary>
public sealed record TransformPlan(int ResizedWidth, int ResizedHeight, Rectangle Crop, bool Flip)
{
    /// <summary>Applies the plan to <paramref name="image"/> in place (bilinear resampling).</summary>
    public void Apply(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        bool resize = image.Width != ResizedWidth || image.Height != ResizedHeight;
        bool crop = Crop.Width != ResizedWidth || Crop.Height != ResizedHeight;
        if (!resize && !crop && !Flip) return;
        image.Mutate(ctx =>
        {
            if (resize) ctx.Resize(ResizedWidth, ResizedHeight, KnownResamplers.Triangle);
            if (crop) ctx.Crop(Crop);
            if (Flip) ctx.Flip(FlipMode.Horizontal);
        });
    }
}
