using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ViTok.Models.Clips;

/// <summary>
/// Conversion from interleaved 8-bit RGB (rgb24, what ImageSharp and ffmpeg give) to the channel-major
/// [3, T, H, W] floats in [-1, 1] that a <see cref="Clip"/> holds: value = byte / 127.5 - 1.
/// </summary>
public static class ClipPixels
{
    /// <summary>Writes frame <paramref name="frame"/> of a clip of <paramref name="frames"/> frames from rgb24 bytes.</summary>
    public static void WriteFrame(Span<float> clip, int frame, int frames, int height, int width, ReadOnlySpan<byte> rgb24)
    {
        int plane = height * width;
        if (rgb24.Length != plane * 3)
            throw new ArgumentException($"Expected {plane * 3} rgb24 bytes for {width}x{height}, got {rgb24.Length}.", nameof(rgb24));
        if (clip.Length != 3 * frames * plane)
            throw new ArgumentException($"Clip buffer has {clip.Length} floats, expected {3 * frames * plane}.", nameof(clip));
        if ((uint)frame >= (uint)frames) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"Frame must be in [0, {frames}).");
        int frameOffset = frame * plane, channelStride = frames * plane;
        var r = clip.Slice(frameOffset, plane);
        var g = clip.Slice(channelStride + frameOffset, plane);
        var b = clip.Slice(2 * channelStride + frameOffset, plane);
        for (int i = 0, j = 0; i < plane; i++, j += 3)
        {
            r[i] = rgb24[j] / 127.5f - 1f;
            g[i] = rgb24[j + 1] / 127.5f - 1f;
            b[i] = rgb24[j + 2] / 127.5f - 1f;
        }
    }

    /// <summary>The pixels of a single image as a one-frame clip buffer [3, 1, H, W].</summary>
    public static float[] FromImage(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        var pixels = new float[bytes.Length];
        WriteFrame(pixels, 0, 1, image.Height, image.Width, bytes);
        return pixels;
    }

    /// <summary>Back to rgb24 bytes for frame <paramref name="frame"/> (rounded, clamped): for previews and tests.</summary>
    public static byte[] ToRgb24(Clip clip, int frame)
    {
        ArgumentNullException.ThrowIfNull(clip);
        int plane = clip.Height * clip.Width, channelStride = clip.Frames * plane, offset = frame * plane;
        var rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < 3; c++)
                rgb[i * 3 + c] = (byte)Math.Clamp(MathF.Round((clip.Pixels[c * channelStride + offset + i] + 1f) * 127.5f), 0, 255);
        return rgb;
    }
}
