using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Tokenize;
using ViTok.Models.Tokenizer;
using ViTok.Models.TokenizerV2;

namespace ViTok.MLNet.NativeSize;

/// <summary>
/// Images to the latents of a native-resolution tokenizer (ViTok-v2) plus their grid and size columns (see <see cref="GridColumns"/>). Fixed size: an image
/// column of a known size (ResizeImages) gives a fixed-length latent [tokens, c]. Native size: an image column of
/// unknown size (LoadImages) or encoded bytes gives each image's own latent length; images over
/// <see cref="TokenizeImagesOptions.MaxTokens"/> tokens are shrunk keeping their aspect ratio.
/// </summary>
/// <param name="fixedSize">The image size of fixed-size mode (taken from the input column's type when fitted); null: native size.</param>
sealed class NativeSizeTokenizeMapping(TokenizeImagesOptions options, string input, TokenizerHandle model, (int Height, int Width)? fixedSize)
    : BatchedMapping(input, options.OutputColumnName, options.BatchSize)
{
    readonly TokenizeImagesOptions options = options;
    readonly TokenizerHandle model = model;

    public (int Height, int Width)? FixedSize { get; } = fixedSize;

    /// <summary>
    /// The one check of a native-resolution tokenizer's input, for the estimator's schema and the transformer's: an image column
    /// (its size, when known, is fixed-size mode; null: native size) or encoded image bytes (native size). With
    /// <paramref name="fitted"/> (the size the transformer was fitted on), the column must give that size.
    /// </summary>
    public static (int Height, int Width)? Check(ColumnShape column, (int Height, int Width)? fitted)
    {
        (int Height, int Width)? size = column switch
        {
            { ItemType: ImageDataViewType { Height: > 0, Width: > 0 } image, IsScalar: true } => (image.Height, image.Width),
            { ItemType: ImageDataViewType, IsScalar: true } => null,
            { IsVector: true, IsKey: false } when column.RawType == typeof(byte) => null,
            _ => throw new ArgumentException($"Column '{column.Name}' has type {column.Describe()}; a native-resolution tokenizer reads images (MLImage, any size) or encoded image bytes."),
        };
        if (fitted is (int h, int w) && size != fitted)
            throw new ArgumentException($"Column '{column.Name}' has type {column.Describe()}; this tokenizer was fitted on {w}x{h} images (fixed size): resize them with ResizeImages({w}, {h}).");
        return size;
    }

    /// <summary>Fixed size: [tokens, c]; native size: a float vector of each image's own length (tokens x c).</summary>
    public override DataViewType OutputType => FixedSize is (int h, int w)
        ? new VectorDataViewType(NumberDataViewType.Single, PatchGrid.ForImage(h, w, model.Info.Patch).Count, model.Info.Channels)
        : new VectorDataViewType(NumberDataViewType.Single);

    public override IReadOnlyList<(string Name, DataViewType Type)> ExtraOutputs => GridColumns.For(OutputColumn);

    public override BatchRunStarter Bind(DataViewSchema schema)
    {
        Check(ColumnShape.Find(schema, InputColumn, "Input"), FixedSize);
        bool image = schema[InputColumn].Type is ImageDataViewType;
        return (row, slots) =>
        {
            var col = row.Schema[InputColumn];
            Func<long, TokenizerImage> read = image ? ImageReader(row.GetGetter<MLImage>(col), FixedSize) : BytesReader(row.GetGetter<VBuffer<byte>>(col), new RowLabel(row));
            return new Run(this, read, FixedSize is null, slots);
        };
    }

    Func<long, TokenizerImage> ImageReader(ValueGetter<MLImage> getter, (int Height, int Width)? size)
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
            return new TokenizerImage(pixels, image.Height, image.Width);
        };
    }

    Func<long, TokenizerImage> BytesReader(ValueGetter<VBuffer<byte>> getter, RowLabel label)
    {
        VBuffer<byte> buffer = default;
        return rowIndex =>
        {
            getter(ref buffer);
            using var image = PixelInput.Decode(buffer.DenseValues().ToArray(), InputColumn, label.Describe(rowIndex));
            var rgb = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(rgb);
            var pixels = new float[rgb.Length];
            PixelInput.FromInterleaved(rgb, 3, 0, 1, 2, pixels);
            return new TokenizerImage(pixels, image.Height, image.Width);
        };
    }

    sealed class Run(NativeSizeTokenizeMapping mapping, Func<long, TokenizerImage> read, bool native, int slots) : IBatchRun
    {
        readonly TokenizerImage[] _images = new TokenizerImage[slots];
        TokenizerLatent[] _latents = [];

        public void Capture(int slot, long rowPosition)
        {
            var image = read(rowPosition);
            if (native)
                using (var pass = mapping.model.Use()) image = pass.Model.ResizeToTokenBudget(image, mapping.options.MaxTokens);
            _images[slot] = image;
        }

        public void Compute(int count)
        {
            using var pass = mapping.model.Use();
            _latents = pass.Model.Encode(_images[..count], mapping.BatchSize);
        }

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
