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
/// column of a known size (ResizeImages) or a float vector shaped [3, H, W] (ExtractPixels, scaled by the options as
/// for a fixed-size tokenizer) gives a fixed-length latent [tokens, c]. Native size: an image column of unknown size
/// (LoadImages) or encoded bytes gives each image's own latent length; images over
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
    /// (its size, when known, is fixed-size mode; else native size), a float pixel vector (fixed size: [3, H, W] where
    /// the schema states a shape; an estimator's schema states none) or encoded image bytes (native size). With
    /// <paramref name="fitted"/> (the size the transformer was fitted on), the column must give that size.
    /// </summary>
    public static (PixelInputKind Kind, (int Height, int Width)? Size) Check(ColumnShape column, (int Height, int Width)? fitted)
    {
        (PixelInputKind, (int Height, int Width)?) input = column switch
        {
            { ItemType: ImageDataViewType { Height: > 0, Width: > 0 } image, IsScalar: true } => (PixelInputKind.Image, (image.Height, image.Width)),
            { ItemType: ImageDataViewType, IsScalar: true } => (PixelInputKind.Image, null),
            { Kind: SchemaShape.Column.VectorKind.Vector, IsKey: false } when column.RawType == typeof(float) => column.Dimensions switch
            {
                [3, int h, int w] when h > 0 && w > 0 => (PixelInputKind.Vector, (h, w)),
                null when column.Size == 0 => (PixelInputKind.Vector, null),   // an estimator's schema: the shape is checked at Fit
                _ => throw new ArgumentException($"Column '{column.Name}' has type {column.Describe()}; a native-resolution tokenizer reads a float pixel " +
                    "vector shaped [3, H, W] (as ExtractPixels gives it), so that it knows the image size."),
            },
            { IsVector: true, IsKey: false } when column.RawType == typeof(byte) => (PixelInputKind.Bytes, null),
            _ => throw new ArgumentException($"Column '{column.Name}' has type {column.Describe()}; a native-resolution tokenizer reads images (MLImage, any size), " +
                "float pixel vectors [3, H, W] or encoded image bytes."),
        };
        if (fitted is (int fh, int fw) && input.Item2 != fitted)
            throw new ArgumentException($"Column '{column.Name}' has type {column.Describe()}; this tokenizer was fitted on {fw}x{fh} images (fixed size): " +
                $"give images or pixel vectors of that size (ResizeImages({fw}, {fh})).");
        return input;
    }

    /// <summary>Whether <see cref="Check"/>'s input gives one latent length for every row.</summary>
    public static bool IsFixedSize((PixelInputKind Kind, (int Height, int Width)? Size) input) => input.Kind == PixelInputKind.Vector || input.Size is not null;

    /// <summary>Fixed size: [tokens, c]; native size: a float vector of each image's own length (tokens x c).</summary>
    public override DataViewType OutputType => FixedSize is (int h, int w)
        ? new VectorDataViewType(NumberDataViewType.Single, PatchGrid.ForImage(h, w, model.Info.Patch).Count, model.Info.Channels)
        : new VectorDataViewType(NumberDataViewType.Single);

    public override IReadOnlyList<(string Name, DataViewType Type)> ExtraOutputs => GridColumns.For(OutputColumn);

    public override BatchRunStarter Bind(DataViewSchema schema)
    {
        var kind = Check(ColumnShape.Find(schema, InputColumn, "Input"), FixedSize).Kind;
        return (row, slots) =>
        {
            var col = row.Schema[InputColumn];
            Func<long, TokenizerImage> read = kind switch
            {
                PixelInputKind.Image => ImageReader(row.GetGetter<MLImage>(col), FixedSize),
                PixelInputKind.Vector => VectorReader(row.GetGetter<VBuffer<float>>(col), FixedSize!.Value),
                _ => BytesReader(row.GetGetter<VBuffer<byte>>(col), new RowLabel(row)),
            };
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

    Func<long, TokenizerImage> VectorReader(ValueGetter<VBuffer<float>> getter, (int Height, int Width) size)
    {
        VBuffer<float> buffer = default;
        return rowIndex =>
        {
            getter(ref buffer);
            var pixels = new float[3 * size.Height * size.Width];
            if (buffer.Length != pixels.Length)
                throw new InvalidDataException($"Column '{InputColumn}', row {rowIndex}: the pixel vector has {buffer.Length} values; the column's type says {pixels.Length}.");
            buffer.CopyTo(pixels);
            for (int i = 0; i < pixels.Length; i++) pixels[i] = pixels[i] * options.PixelScale + options.PixelOffset;
            FiniteValues.CheckInput(pixels, InputColumn, $"row {rowIndex}");
            return new TokenizerImage(pixels, size.Height, size.Width);
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
        readonly long[] _rows = new long[slots];
        TokenizerLatent[] _latents = [];

        public void Capture(int slot, long rowPosition)
        {
            _rows[slot] = rowPosition;
            var image = read(rowPosition);
            if (native)
                using (var pass = mapping.model.Use()) image = pass.Model.ResizeToTokenBudget(image, mapping.options.MaxTokens);
            _images[slot] = image;
        }

        public void Compute(int count)
        {
            using var pass = mapping.model.Use();
            _latents = pass.Model.Encode(_images[..count], mapping.BatchSize);
            for (int i = 0; i < count; i++)
                FiniteValues.CheckOutput(_latents[i].Values, mapping.OutputColumn, $"row {_rows[i]}", () => $"its pixels have {FiniteValues.Range(_images[i].Pixels)}");
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
