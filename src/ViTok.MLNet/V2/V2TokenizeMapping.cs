using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Tokenize;
using ViTok.Models.TokenizerV2;

namespace ViTok.MLNet.V2;

/// <summary>
/// Images to ViTok-v2 latents plus their grid and size columns (see <see cref="V2Columns"/>). Fixed size: an image
/// column of a known size (ResizeImages) gives a fixed-length latent [tokens, c]. Native size: an image column of
/// unknown size (LoadImages) or encoded bytes gives each image's own latent length; images over
/// <see cref="TokenizeImagesOptions.MaxTokens"/> tokens are shrunk keeping their aspect ratio.
/// </summary>
/// <param name="fixedSize">The image size of fixed-size mode (taken from the input column's type when fitted); null: native size.</param>
sealed class V2TokenizeMapping(TokenizeImagesOptions options, string input, V2ModelHandle model, (int Height, int Width)? fixedSize)
    : BatchedMapping(input, options.OutputColumnName, options.BatchSize)
{
    readonly TokenizeImagesOptions options = options;
    readonly V2ModelHandle model = model;

    public (int Height, int Width)? FixedSize { get; } = fixedSize;

    public static (int Height, int Width)? FixedSizeOf(DataViewType type, string column) => type switch
    {
        ImageDataViewType { Height: > 0, Width: > 0 } image => (image.Height, image.Width),
        ImageDataViewType => null,
        VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(byte) => null,
        _ => throw new ArgumentException($"Column '{column}' has type {type}; a ViTok-v2 tokenizer reads images (MLImage, any size) or encoded image bytes."),
    };

    (int Height, int Width)? Check(DataViewSchema schema)
    {
        var col = schema.GetColumnOrNull(InputColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Input column '{InputColumn}' was not found in the data; the tokenizer needs an image column.");
        var size = FixedSizeOf(col.Type, InputColumn);
        if (FixedSize is (int h, int w) && size != FixedSize)
            throw new ArgumentException($"Column '{InputColumn}' has type {col.Type}; this tokenizer was fitted on {w}x{h} images (fixed size): resize them with ResizeImages({w}, {h}).");
        return size;
    }

    public override void CheckInput(DataViewSchema schema) => Check(schema);

    /// <summary>Fixed size: [tokens, c]; native size: a float vector of each image's own length (tokens x c).</summary>
    public override DataViewType OutputType => FixedSize is (int h, int w)
        ? new VectorDataViewType(NumberDataViewType.Single, PatchGrid.ForImage(h, w, model.Config.Patch).Count, model.Config.Channels)
        : new VectorDataViewType(NumberDataViewType.Single);

    public override IReadOnlyList<(string Name, DataViewType Type)> ExtraOutputs => V2Columns.For(OutputColumn);

    public override IBatchRun Start(DataViewRow row, int slots)
    {
        Check(row.Schema);
        var col = row.Schema[InputColumn];
        Func<long, V2Image> read = col.Type is ImageDataViewType ? ImageReader(row.GetGetter<MLImage>(col), FixedSize) : BytesReader(row.GetGetter<VBuffer<byte>>(col));
        return new Run(this, read, FixedSize is null, slots);
    }

    Func<long, V2Image> ImageReader(ValueGetter<MLImage> getter, (int Height, int Width)? size)
    {
        MLImage? image = null;
        return rowIndex =>
        {
            getter(ref image!);
            if (image is null) throw new InvalidDataException($"Column '{InputColumn}', row {rowIndex}: the image is missing.");
            if (size is (int h, int w) && (image.Height != h || image.Width != w))
                throw new InvalidDataException($"Column '{InputColumn}', row {rowIndex}: the image is {image.Width}x{image.Height}; the column's type says {w}x{h}.");
            var (r, b) = image.PixelFormat switch
            {
                MLPixelFormat.Bgra32 => (2, 0),
                MLPixelFormat.Rgba32 => (0, 2),
                var f => throw new InvalidDataException($"Column '{InputColumn}', row {rowIndex}: pixel format {f} is not supported."),
            };
            var pixels = new float[3 * image.Height * image.Width];
            PixelInput.FromInterleaved(image.Pixels, 4, r, 1, b, pixels);
            return new V2Image(pixels, image.Height, image.Width);
        };
    }

    Func<long, V2Image> BytesReader(ValueGetter<VBuffer<byte>> getter)
    {
        VBuffer<byte> buffer = default;
        return rowIndex =>
        {
            getter(ref buffer);
            var bytes = buffer.DenseValues().ToArray();
            try
            {
                var info = Image.Identify(bytes) ?? throw new InvalidDataException("not a recognised image format");
                if ((long)info.Width * info.Height > PixelInput.MaxEncodedPixels)
                    throw new InvalidDataException($"{info.Width}x{info.Height} exceeds the {PixelInput.MaxEncodedPixels:N0}-pixel limit");
                using var image = Image.Load<Rgb24>(bytes);
                var rgb = new byte[image.Width * image.Height * 3];
                image.CopyPixelDataTo(rgb);
                var pixels = new float[rgb.Length];
                PixelInput.FromInterleaved(rgb, 3, 0, 1, 2, pixels);
                return new V2Image(pixels, image.Height, image.Width);
            }
            catch (Exception e) when (e is InvalidDataException or UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
            {
                throw new InvalidDataException($"Column '{InputColumn}', row {rowIndex}: {e.Message}", e);
            }
        };
    }

    sealed class Run(V2TokenizeMapping mapping, Func<long, V2Image> read, bool native, int slots) : IBatchRun
    {
        readonly V2Image[] _images = new V2Image[slots];
        V2Latent[] _latents = [];

        public void Capture(int slot, long rowPosition)
        {
            var image = read(rowPosition);
            _images[slot] = native ? mapping.model.Inference.ResizeToTokenBudget(image, mapping.options.MaxTokens) : image;
        }

        public void Compute(int count) => _latents = mapping.model.Inference.Encode(_images[..count], mapping.BatchSize);

        public Delegate OutputGetter(Func<int> slot) => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
        {
            var latent = _latents[slot()].Values;
            var editor = VBufferEditor.Create(ref dst, latent.Length);
            latent.AsSpan().CopyTo(editor.Values);
            dst = editor.Commit();
        });

        public Delegate ExtraOutputGetter(int index, Func<int> slot) => (ValueGetter<int>)((ref int dst) =>
        {
            var l = _latents[slot()];
            dst = index switch { 0 => l.Grid.Rows, 1 => l.Grid.Cols, 2 => l.Height, 3 => l.Width, _ => throw new ArgumentOutOfRangeException(nameof(index)) };
        });

        public void Dispose() { }
    }
}
