using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.MLNet.DataViews;
using ViTok.Models.Clips;

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
    /// <summary>
    /// The one check of a tokenizer's input column, for an estimator's schema (sizes unknown there) and a transformer's:
    /// its type and, where the schema states it, its size. Says which kind of input it is; throws naming the column otherwise.
    /// </summary>
    public static PixelInputKind Check(ColumnShape column, int frames, int size)
    {
        string name = column.Name;
        int length = 3 * frames * size * size;
        if (column.ItemType is ImageDataViewType image && column.IsScalar)
        {
            if (frames != 1) throw new ArgumentException($"Column '{name}' holds images but this tokenizer takes {frames}-frame clips; give a float vector of {length} values [3, {frames}, {size}, {size}].");
            if (image.Height == 0 || image.Width == 0)
                throw new ArgumentException($"Column '{name}' holds images of unknown size; the tokenizer expects {size}x{size}: add mlContext.Transforms.ResizeImages(\"{name}\", {size}, {size}) before it.");
            if (image.Height != size || image.Width != size)
                throw new ArgumentException($"Column '{name}' holds {image.Width}x{image.Height} images; the tokenizer expects {size}x{size}: resize them with ResizeImages.");
            return PixelInputKind.Image;
        }
        if (column.Kind == SchemaShape.Column.VectorKind.Vector && column.RawType == typeof(float) && !column.IsKey)
        {
            if (column.Size != 0 && column.Size != length)
                throw new ArgumentException($"Column '{name}' is a float vector of size {column.Size}; the tokenizer expects {length} values [3, {frames}, {size}, {size}].");
            return PixelInputKind.Vector;
        }
        if (column.IsVector && column.RawType == typeof(byte) && !column.IsKey)
        {
            if (frames != 1) throw new ArgumentException($"Column '{name}' holds encoded images but this tokenizer takes {frames}-frame clips.");
            return PixelInputKind.Bytes;
        }
        throw new ArgumentException($"Column '{name}' has type {column.Describe()}; the tokenizer expects an image ({size}x{size}), a float vector of {length} pixel values, or a byte vector of encoded image bytes.");
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
    public abstract void Read(Span<float> pixels, long row);

    public virtual void Dispose() { }

    /// <summary>Interleaved 8-bit RGB(A) to channel-major floats in [-1, 1].</summary>
    internal static void FromInterleaved(ReadOnlySpan<byte> source, int channels, int r, int g, int b, Span<float> pixels)
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

    /// <summary>
    /// Encoded image bytes to RGB through the CLI's guarded decoder (<see cref="ImageFolderSource.Decode(byte[], string, long)"/>:
    /// the header's pixel count is checked before decoding, a truncated file is refused, alpha is composited over black);
    /// a refusal is an <see cref="InvalidDataException"/> naming the column and the row (with its file, when a text column names it).
    /// </summary>
    internal static Image<Rgb24> Decode(byte[] bytes, string column, string row)
    {
        try { return ImageFolderSource.Decode(bytes, $"Column '{column}', {row}", ImageFolderOptions.DefaultMaxPixels); }
        catch (BadItemException e) { throw new InvalidDataException(e.Message, e); }
    }

    sealed class FromImage(ValueGetter<MLImage> getter, string column, int size, RowLabel label) : PixelInput
    {
        MLImage? _image;   // upstream's image, handed back on the next fetch; never disposed here (not ours)

        public override void Read(Span<float> pixels, long row)
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

        public override void Read(Span<float> pixels, long row)
        {
            getter(ref _buffer);
            if (_buffer.Length != pixels.Length)
                throw new InvalidDataException($"Row {row}: the pixel vector has {_buffer.Length} values; the tokenizer expects {pixels.Length}.");
            _buffer.CopyTo(pixels);
            for (int i = 0; i < pixels.Length; i++) pixels[i] = pixels[i] * scale + offset;
        }
    }

    sealed class FromBytes(ValueGetter<VBuffer<byte>> getter, string column, int size, RowLabel label) : PixelInput
    {
        VBuffer<byte> _buffer;

        public override void Read(Span<float> pixels, long row)
        {
            getter(ref _buffer);
            using var image = Decode(_buffer.DenseValues().ToArray(), column, label.Describe(row));
            if (image.Width != size || image.Height != size)
                throw new InvalidDataException($"Column '{column}', {label.Describe(row)}: the image is {image.Width}x{image.Height}; the tokenizer expects {size}x{size}.");
            var rgb = new byte[size * size * 3];
            image.CopyPixelDataTo(rgb);
            FromInterleaved(rgb, 3, 0, 1, 2, pixels);
        }
    }
}
