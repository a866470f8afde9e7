using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.MLNet.DataViews;

namespace ViTok.MLNet.Tokenize;

/// <summary>The kinds of column a tokenizer can read pixels from.</summary>
enum PixelInputKind
{
    /// <summary>MLImage of the tokenizer's size (LoadImages, then ResizeImages).</summary>
    Image,
    /// <summary>Float vector [3, T, H, W] channel-major (ExtractPixels' default layout), scaled by the options.</summary>
    Vector,
    /// <summary>Encoded image file bytes (LoadRawImageBytes): decoded with ImageSharp, must have the tokenizer's size.</summary>
    Bytes,
}

/// <summary>Reads one row's pixels from an input column into a float[3 x T x H x W] in [-1, 1].</summary>
abstract class PixelInput : IDisposable
{
    public const long MaxEncodedPixels = 40_000_000;

    /// <summary>Checks the column's type and size and says which kind of input it is; throws naming the column otherwise.</summary>
    public static PixelInputKind Check(DataViewSchema schema, string column, int frames, int size)
    {
        var col = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"Input column '{column}' was not found in the data; the tokenizer needs an image column.");
        int length = 3 * frames * size * size;
        switch (col.Type)
        {
            case ImageDataViewType image:
                if (frames != 1) throw new ArgumentException($"Column '{column}' holds images but this tokenizer takes {frames}-frame clips; give a float vector of {length} values [3, {frames}, {size}, {size}].");
                if (image.Height == 0 || image.Width == 0)
                    throw new ArgumentException($"Column '{column}' holds images of unknown size; the tokenizer expects {size}x{size}: add mlContext.Transforms.ResizeImages(\"{column}\", {size}, {size}) before it.");
                if (image.Height != size || image.Width != size)
                    throw new ArgumentException($"Column '{column}' holds {image.Width}x{image.Height} images; the tokenizer expects {size}x{size}: resize them with ResizeImages.");
                return PixelInputKind.Image;
            case VectorDataViewType { ItemType: NumberDataViewType n } v when n.RawType == typeof(float):
                if (v.Size != length)
                    throw new ArgumentException($"Column '{column}' is a float vector of size {v.Size}; the tokenizer expects {length} values [3, {frames}, {size}, {size}].");
                return PixelInputKind.Vector;
            case VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(byte):
                if (frames != 1) throw new ArgumentException($"Column '{column}' holds encoded images but this tokenizer takes {frames}-frame clips.");
                return PixelInputKind.Bytes;
            default:
                throw new ArgumentException($"Column '{column}' has type {col.Type}; the tokenizer expects an image ({size}x{size}), a float vector of {length} pixel values, or a byte vector of encoded image bytes.");
        }
    }

    public static PixelInput Create(PixelInputKind kind, DataViewRow row, string column, int size, float scale, float offset)
    {
        var col = row.Schema[column];
        var label = new RowLabel(row);
        return kind switch
        {
            PixelInputKind.Image => new FromImage(row.GetGetter<MLImage>(col), column, size, label),
            PixelInputKind.Vector => new FromVector(row.GetGetter<VBuffer<float>>(col), scale, offset),
            _ => new FromBytes(row.GetGetter<VBuffer<byte>>(col), column, size, label),
        };
    }

    /// <summary>Fills <paramref name="pixels"/> with the current row's pixels; <paramref name="row"/> is for messages.</summary>
    public abstract void Read(float[] pixels, long row);

    public virtual void Dispose() { }

    /// <summary>Interleaved 8-bit RGB(A) to channel-major floats in [-1, 1].</summary>
    internal static void FromInterleaved(ReadOnlySpan<byte> source, int channels, int r, int g, int b, float[] pixels)
    {
        int n = pixels.Length / 3;
        for (int i = 0; i < n; i++)
        {
            int s = i * channels;
            pixels[i] = source[s + r] / 127.5f - 1f;
            pixels[n + i] = source[s + g] / 127.5f - 1f;
            pixels[2 * n + i] = source[s + b] / 127.5f - 1f;
        }
    }

    sealed class FromImage(ValueGetter<MLImage> getter, string column, int size, RowLabel label) : PixelInput
    {
        MLImage? _image;   // upstream's image, handed back on the next fetch; never disposed here (not ours)

        public override void Read(float[] pixels, long row)
        {
            // Upstream (LoadImages' decoder, ResizeImages) fails with messages that name no file or row.
            try { getter(ref _image!); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidDataException($"Column '{column}', {label.Describe(row)}: the image could not be read: {e.Message}", e);
            }
            if (_image is null) throw new InvalidDataException($"Column '{column}', {label.Describe(row)}: the image is missing.");
            if (_image.Width != size || _image.Height != size)
                throw new InvalidDataException($"Column '{column}', {label.Describe(row)}: the image is {_image.Width}x{_image.Height}; the tokenizer expects {size}x{size}.");
            var (r, b) = _image.PixelFormat switch
            {
                MLPixelFormat.Bgra32 => (2, 0),
                MLPixelFormat.Rgba32 => (0, 2),
                var f => throw new InvalidDataException($"Column '{column}', {label.Describe(row)}: pixel format {f} is not supported."),
            };
            FromInterleaved(_image.Pixels, 4, r, 1, b, pixels);
        }
    }

    sealed class FromVector(ValueGetter<VBuffer<float>> getter, float scale, float offset) : PixelInput
    {
        VBuffer<float> _buffer;

        public override void Read(float[] pixels, long row)
        {
            getter(ref _buffer);
            _buffer.CopyTo(pixels);
            for (int i = 0; i < pixels.Length; i++) pixels[i] = pixels[i] * scale + offset;
        }
    }

    sealed class FromBytes(ValueGetter<VBuffer<byte>> getter, string column, int size, RowLabel label) : PixelInput
    {
        VBuffer<byte> _buffer;

        public override void Read(float[] pixels, long row)
        {
            getter(ref _buffer);
            var bytes = _buffer.DenseValues().ToArray();
            try
            {
                var info = Image.Identify(bytes) ?? throw new InvalidDataException("not a recognised image format");
                if ((long)info.Width * info.Height > MaxEncodedPixels)
                    throw new InvalidDataException($"{info.Width}x{info.Height} exceeds the {MaxEncodedPixels:N0}-pixel limit");
                if (info.Width != size || info.Height != size)
                    throw new InvalidDataException($"the image is {info.Width}x{info.Height}; the tokenizer expects {size}x{size}");
                using var image = Image.Load<Rgb24>(bytes);
                var rgb = new byte[size * size * 3];
                image.CopyPixelDataTo(rgb);
                FromInterleaved(rgb, 3, 0, 1, 2, pixels);
            }
            catch (Exception e) when (e is InvalidDataException or UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
            {
                throw new InvalidDataException($"Column '{column}', {label.Describe(row)}: {e.Message}", e);
            }
        }
    }
}
