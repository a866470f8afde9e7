using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ViTok.Models.Clips;

/// <summary>
/// An rgb24 picture that the synthetic sources paint on: gradient backgrounds with a little noise, procedural
/// shapes (anti-aliased by 4x4 super-sampling) and alpha sprites such as Fashion-MNIST items. Pure arithmetic:
/// the same calls give the same bytes on every machine.
/// </summary>
sealed class ShapeCanvas
{
    public ShapeCanvas(int width, int height)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"Canvas size must be positive, not {width}x{height}.");
        Width = width;
        Height = height;
        Rgb = new byte[width * height * 3];
    }

    public int Width { get; }
    public int Height { get; }
    public byte[] Rgb { get; }

    public void CopyFrom(ShapeCanvas other) => other.Rgb.CopyTo(Rgb, 0);

    /// <summary>A linear gradient from <paramref name="a"/> to <paramref name="b"/> along <paramref name="angle"/>, plus uniform noise of +-<paramref name="noise"/> levels.</summary>
    public void FillGradient(Rgb24 a, Rgb24 b, double angle, int noise, Random rng)
    {
        double dx = Math.Cos(angle), dy = Math.Sin(angle);
        double lo = Math.Min(0, dx * (Width - 1)) + Math.Min(0, dy * (Height - 1));
        double hi = Math.Max(0, dx * (Width - 1)) + Math.Max(0, dy * (Height - 1));
        double span = Math.Max(hi - lo, 1e-9);
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                double t = (dx * x + dy * y - lo) / span;
                int n = noise > 0 ? rng.Next(-noise, noise + 1) : 0;
                int i = (y * Width + x) * 3;
                Rgb[i] = Level(a.R + t * (b.R - a.R) + n);
                Rgb[i + 1] = Level(a.G + t * (b.G - a.G) + n);
                Rgb[i + 2] = Level(a.B + t * (b.B - a.B) + n);
            }
    }

    /// <summary>Draws <paramref name="kind"/> centred at (<paramref name="cx"/>, <paramref name="cy"/>) with the given radius and rotation.</summary>
    public void DrawShape(ShapeKind kind, double cx, double cy, double radius, double angle, Rgb24 colour, Rgb24 second)
    {
        const int ss = 4;
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        int x0 = Math.Max(0, (int)Math.Floor(cx - radius - 1)), x1 = Math.Min(Width - 1, (int)Math.Ceiling(cx + radius + 1));
        int y0 = Math.Max(0, (int)Math.Floor(cy - radius - 1)), y1 = Math.Min(Height - 1, (int)Math.Ceiling(cy + radius + 1));
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                double r = 0, g = 0, b = 0;
                int covered = 0;
                for (int sy = 0; sy < ss; sy++)
                    for (int sx = 0; sx < ss; sx++)
                    {
                        double px = x + (sx + 0.5) / ss - cx, py = y + (sy + 0.5) / ss - cy;
                        double u = (cos * px + sin * py) / radius, v = (-sin * px + cos * py) / radius;
                        int paint = Inside(kind, u, v);
                        if (paint == 0) continue;
                        var c = paint == 1 ? colour : second;
                        r += c.R; g += c.G; b += c.B;
                        covered++;
                    }
                if (covered == 0) continue;
                Blend(x, y, r / covered, g / covered, b / covered, covered / (double)(ss * ss));
            }
    }

    /// <summary>
    /// Draws a square alpha sprite (<paramref name="side"/> x <paramref name="side"/> bytes, 0 = transparent) scaled
    /// bilinearly to <paramref name="size"/> pixels with its top-left corner at (<paramref name="left"/>, <paramref name="top"/>), tinted <paramref name="tint"/>.
    /// </summary>
    public void DrawAlphaSprite(ReadOnlySpan<byte> alpha, int side, double left, double top, double size, Rgb24 tint)
    {
        int x0 = Math.Max(0, (int)Math.Floor(left)), x1 = Math.Min(Width - 1, (int)Math.Ceiling(left + size));
        int y0 = Math.Max(0, (int)Math.Floor(top)), y1 = Math.Min(Height - 1, (int)Math.Ceiling(top + size));
        double scale = side / size;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                double u = (x + 0.5 - left) * scale - 0.5, v = (y + 0.5 - top) * scale - 0.5;
                double a = Sample(alpha, side, u, v) / 255.0;
                if (a > 0) Blend(x, y, tint.R, tint.G, tint.B, a);
            }
    }

    /// <summary>The canvas as an ImageSharp image (a copy).</summary>
    public Image<Rgb24> ToImage() => Image.LoadPixelData<Rgb24>(Rgb, Width, Height);

    /// <summary>0 = outside, 1 = first colour, 2 = second colour (textures).</summary>
    static int Inside(ShapeKind kind, double u, double v)
    {
        double au = Math.Abs(u), av = Math.Abs(v);
        switch (kind)
        {
            case ShapeKind.Circle: return u * u + v * v <= 1 ? 1 : 0;
            case ShapeKind.Square: return au <= 0.8 && av <= 0.8 ? 1 : 0;
            case ShapeKind.Triangle: return v <= 0.5 && au <= (v + 1) * 0.57735 ? 1 : 0;
            case ShapeKind.Ring: { double r2 = u * u + v * v; return r2 <= 1 && r2 >= 0.36 ? 1 : 0; }
            case ShapeKind.Cross: return (au <= 0.3 && av <= 0.95) || (av <= 0.3 && au <= 0.95) ? 1 : 0;
            case ShapeKind.Diamond: return au + av <= 1 ? 1 : 0;
            case ShapeKind.Stripes:
                if (au > 0.85 || av > 0.85) return 0;
                return ((int)Math.Floor((u + 1) * 4) & 1) == 0 ? 1 : 2;
            case ShapeKind.Checker:
                if (au > 0.85 || av > 0.85) return 0;
                return (((int)Math.Floor((u + 1) * 3) + (int)Math.Floor((v + 1) * 3)) & 1) == 0 ? 1 : 2;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown shape kind.");
        }
    }

    static double Sample(ReadOnlySpan<byte> img, int side, double u, double v)
    {
        int u0 = (int)Math.Floor(u), v0 = (int)Math.Floor(v);
        double fu = u - u0, fv = v - v0;
        return (1 - fv) * ((1 - fu) * At(img, side, u0, v0) + fu * At(img, side, u0 + 1, v0))
             + fv * ((1 - fu) * At(img, side, u0, v0 + 1) + fu * At(img, side, u0 + 1, v0 + 1));
    }

    static double At(ReadOnlySpan<byte> img, int side, int x, int y) =>
        x < 0 || y < 0 || x >= side || y >= side ? 0 : img[y * side + x];

    void Blend(int x, int y, double r, double g, double b, double alpha)
    {
        int i = (y * Width + x) * 3;
        Rgb[i] = Level(Rgb[i] + alpha * (r - Rgb[i]));
        Rgb[i + 1] = Level(Rgb[i + 1] + alpha * (g - Rgb[i + 1]));
        Rgb[i + 2] = Level(Rgb[i + 2] + alpha * (b - Rgb[i + 2]));
    }

    static byte Level(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);

    /// <summary>A random colour.</summary>
    public static Rgb24 RandomColour(Random rng) => new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));

    /// <summary>A random colour whose brightness differs from <paramref name="from"/> by at least 80 levels.</summary>
    public static Rgb24 Contrasting(Rgb24 from, Random rng)
    {
        var c = RandomColour(rng);
        if (Math.Abs(Luma(c) - Luma(from)) >= 80) return c;
        return Luma(from) >= 128
            ? new Rgb24((byte)(c.R / 4), (byte)(c.G / 4), (byte)(c.B / 4))
            : new Rgb24((byte)(191 + c.R / 4), (byte)(191 + c.G / 4), (byte)(191 + c.B / 4));
    }

    static double Luma(Rgb24 c) => 0.299 * c.R + 0.587 * c.G + 0.114 * c.B;

    /// <summary>The mean of two colours.</summary>
    public static Rgb24 Mean(Rgb24 a, Rgb24 b) => new((byte)((a.R + b.R) / 2), (byte)((a.G + b.G) / 2), (byte)((a.B + b.B) / 2));
}
