using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.MLNet.DataViews;
using ViTok.Models.Clips;

namespace ViTok.MLNet.ReadImages;

/// <summary>
/// Paths or encoded bytes to MLImages (BGRA, as LoadImages gives them) through <see cref="ImageFolderSource.Decode(string, long)"/>,
/// resized and centre-cropped to <see cref="ReadImagesOptions.ImageSize"/>. One row at a time: nothing is read ahead.
/// </summary>
sealed class ReadImagesMapping(ReadImagesOptions options)
    : BatchedMapping(options.InputColumnName ?? options.OutputColumnName, options.OutputColumnName, batchSize: 1)
{
    readonly ReadImagesOptions _options = options;
    readonly ImageTransform _transform = options.ImageSize > 0 ? ImageTransform.ResizeAndCrop(options.ImageSize) : ImageTransform.None;

    /// <summary>The one check of the input column: text (a path) or a byte vector (an encoded file). Says which.</summary>
    public static bool Check(ColumnShape column) => column switch
    {
        { IsScalar: true } when column.ItemType is TextDataViewType => true,
        { IsVector: true, IsKey: false } when column.RawType == typeof(byte) => false,
        _ => throw new ArgumentException($"Column '{column.Name}' has type {column.Describe()}; ReadImages reads a text column of image file paths " +
            "or a byte vector of encoded image files (LoadRawImageBytes)."),
    };

    public override DataViewType OutputType => _options.ImageSize > 0 ? new ImageDataViewType(_options.ImageSize, _options.ImageSize) : new ImageDataViewType();

    public override BatchRunStarter Bind(DataViewSchema schema)
    {
        bool paths = Check(ColumnShape.Find(schema, InputColumn, "Input"));
        return (row, slots) =>
        {
            var column = row.Schema[InputColumn];
            var label = new RowLabel(row);
            Func<long, Image<Rgb24>> read = paths ? PathReader(row.GetGetter<ReadOnlyMemory<char>>(column)) : BytesReader(row.GetGetter<VBuffer<byte>>(column), label);
            return new Run(this, read, slots);
        };
    }

    Func<long, Image<Rgb24>> PathReader(ValueGetter<ReadOnlyMemory<char>> getter)
    {
        ReadOnlyMemory<char> value = default;
        return rowIndex =>
        {
            getter(ref value);
            string path = value.ToString();
            if (path.Length == 0) throw new InvalidDataException($"Column '{InputColumn}', row {rowIndex}: the path is empty.");
            string full = _options.ImageFolder is null ? path : Path.Combine(_options.ImageFolder, path);
            try { return ImageFolderSource.Decode(full, _options.MaxPixels); }
            catch (BadItemException e) { throw new InvalidDataException($"Column '{InputColumn}', row {rowIndex}: {e.Message}", e); }
        };
    }

    Func<long, Image<Rgb24>> BytesReader(ValueGetter<VBuffer<byte>> getter, RowLabel label)
    {
        VBuffer<byte> buffer = default;
        return rowIndex =>
        {
            getter(ref buffer);
            try { return ImageFolderSource.Decode(buffer.DenseValues().ToArray(), $"Column '{InputColumn}', {label.Describe(rowIndex)}", _options.MaxPixels); }
            catch (BadItemException e) { throw new InvalidDataException(e.Message, e); }
        };
    }

    sealed class Run(ReadImagesMapping mapping, Func<long, Image<Rgb24>> read, int slots) : IBatchRun
    {
        readonly (byte[] Bgra, int Width, int Height)[] _images = new (byte[], int, int)[slots];

        public void Capture(int slot, long rowPosition)
        {
            using var image = read(rowPosition);
            mapping._transform.Apply(image, Random.Shared);   // a centre crop: the generator is never drawn from
            var bgra = new byte[image.Width * image.Height * 4];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    int o = y * rows.Width * 4;
                    for (int x = 0; x < row.Length; x++, o += 4)
                        (bgra[o], bgra[o + 1], bgra[o + 2], bgra[o + 3]) = (row[x].B, row[x].G, row[x].R, 255);
                }
            });
            _images[slot] = (bgra, image.Width, image.Height);
        }

        public void Compute(int count) { }

        /// <summary>A new MLImage per call: the caller may keep it (as with LoadImages' values).</summary>
        public Delegate OutputGetter(Func<int> slot) => (ValueGetter<MLImage>)((ref MLImage dst) =>
        {
            var (bgra, width, height) = _images[slot()];
            dst = MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra);
        });

        public void Dispose() { }
    }
}
