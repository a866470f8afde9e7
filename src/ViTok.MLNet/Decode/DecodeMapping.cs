using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet.Decode;

/// <summary>Latents to images (or pixel vectors), one forward pass per batch.</summary>
sealed class DecodeMapping(DecodeLatentsOptions options, string input, TokenizerHandle tokenizer)
    : BatchedMapping(input, options.OutputColumnName, options.BatchSize)
{
    readonly DecodeLatentsOptions options = options;
    readonly TokenizerHandle tokenizer = tokenizer;

    public override DataViewType OutputType
    {
        get
        {
            var c = tokenizer.Info;
            return options.Output == DecodedOutput.Image
                ? new ImageDataViewType(c.ImageSize, c.ImageSize)
                : c.Frames == 1
                    ? new VectorDataViewType(NumberDataViewType.Single, 3, c.ImageSize, c.ImageSize)              // as ExtractPixels gives an image
                    : new VectorDataViewType(NumberDataViewType.Single, 3, c.Frames, c.ImageSize, c.ImageSize);   // a clip keeps its frames
        }
    }

    public override BatchRunStarter Bind(DataViewSchema schema)
    {
        Check(ColumnShape.Find(schema, InputColumn, "Latent"), tokenizer.Info, options);
        return (row, slots) => new Run(this, row.GetGetter<VBuffer<float>>(row.Schema[InputColumn]), slots);
    }

    /// <summary>The one check of a decoder's input, for the estimator's schema and the transformer's.</summary>
    public static void Check(ColumnShape latent, TokenizerShape config, DecodeLatentsOptions options)
    {
        LatentColumn.Check(latent, config, "the decoder");
        if (options.Output == DecodedOutput.Image && config.Frames != 1)
            throw new ArgumentException($"This tokenizer decodes {config.Frames}-frame clips; use Output = PixelVector for column '{options.OutputColumnName}'.");
    }

    /// <summary>Channel-major pixels [3, H, W] in [-1, 1] as an 8-bit Rgba32 MLImage (rounded, clamped, opaque).</summary>
    internal static MLImage ToImage(ReadOnlySpan<float> pixels, int height, int width)
    {
        int n = height * width;
        var rgba = new byte[n * 4];
        for (int i = 0; i < n; i++)
        {
            rgba[4 * i] = ToByte(pixels[i]);
            rgba[4 * i + 1] = ToByte(pixels[n + i]);
            rgba[4 * i + 2] = ToByte(pixels[2 * n + i]);
            rgba[4 * i + 3] = 255;
        }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, rgba);
    }

    /// <summary>Decoded pixels in [-1, 1] (or beyond) as the pixel-vector column gives them: (pixel - offset) / scale, clamped first when asked.</summary>
    internal static void ToOutputScale(ReadOnlySpan<float> pixels, Span<float> values, DecodeLatentsOptions o)
    {
        if (o.ClampPixels)
            for (int i = 0; i < pixels.Length; i++) values[i] = (Math.Clamp(pixels[i], -1f, 1f) - o.PixelOffset) / o.PixelScale;
        else
            for (int i = 0; i < pixels.Length; i++) values[i] = (pixels[i] - o.PixelOffset) / o.PixelScale;
    }

    static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round((v + 1f) * 127.5f), 0f, 255f);

    sealed class Run(DecodeMapping mapping, ValueGetter<VBuffer<float>> getter, int slots) : IBatchRun
    {
        readonly BatchBuffer _latents = new(slots, mapping.tokenizer.Info.LatentLength(mapping.tokenizer.Info.ImageSize, mapping.tokenizer.Info.ImageSize));
        readonly BatchBuffer _pixels = new(slots, mapping.tokenizer.Info.PixelLength(mapping.tokenizer.Info.ImageSize, mapping.tokenizer.Info.ImageSize));
        readonly long[] _rows = new long[slots];
        VBuffer<float> _buffer;

        public void Capture(int slot, long rowPosition)
        {
            getter(ref _buffer);
            var latent = _latents.Slot(slot);
            if (_buffer.Length != latent.Length)
                throw new InvalidDataException($"Column '{mapping.InputColumn}', row {rowPosition}: {_buffer.Length} latent values; the decoder expects {latent.Length}.");
            _buffer.CopyTo(latent);
            FiniteValues.CheckInput(latent, mapping.InputColumn, $"row {rowPosition}");
            _rows[slot] = rowPosition;
        }

        public void Compute(int count)
        {
            using (var pass = mapping.tokenizer.Use())
                TorchThreads.Run(TorchThreads.For(mapping.options.Threads, count), () =>
                    pass.Model.Decode(_latents, count, mapping.tokenizer.Info.ImageSize, mapping.tokenizer.Info.ImageSize, _pixels));
            for (int i = 0; i < count; i++)
                FiniteValues.CheckOutput(_pixels.Slot(i), mapping.OutputColumn, $"row {_rows[i]}", () => $"its latent has {FiniteValues.Range(_latents.Slot(i))}");
        }

        public Delegate OutputGetter(Func<int> slot)
        {
            var o = mapping.options;
            if (o.Output == DecodedOutput.PixelVector)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    var pixels = _pixels.Slot(slot());
                    var editor = VBufferEditor.Create(ref dst, pixels.Length);
                    ToOutputScale(pixels, editor.Values, o);
                    dst = editor.Commit();
                });
            int size = mapping.tokenizer.Info.ImageSize;
            return (ValueGetter<MLImage>)((ref MLImage dst) =>
            {
                dst?.Dispose();
                dst = ToImage(_pixels.Slot(slot()), size, size);
            });
        }

        public void Dispose() { }
    }
}
