using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.Models.Runtime;

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
            var c = tokenizer.Config;
            return options.Output == DecodedOutput.Image
                ? new ImageDataViewType(c.ImageSize, c.ImageSize)
                : new VectorDataViewType(NumberDataViewType.Single, 3, c.Frames, c.ImageSize, c.ImageSize);
        }
    }

    public override void CheckInput(DataViewSchema schema)
    {
        var c = tokenizer.Config;
        int length = c.Tokens * c.Channels;
        var col = schema.GetColumnOrNull(InputColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Latent column '{InputColumn}' was not found in the data.");
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType n } v || n.RawType != typeof(float) || v.Size != length)
            throw new ArgumentException($"Column '{InputColumn}' has type {col.Type}; the decoder expects a float vector of {length} latents ({c.Tokens} tokens x {c.Channels} channels).");
        if (options.Output == DecodedOutput.Image && c.Frames != 1)
            throw new ArgumentException($"This tokenizer decodes {c.Frames}-frame clips; use Output = PixelVector for column '{options.OutputColumnName}'.");
    }

    public override IBatchRun Start(DataViewRow row, int slots) => new Run(this, row.GetGetter<VBuffer<float>>(row.Schema[InputColumn]), slots);

    /// <summary>Channel-major pixels [3, H, W] in [-1, 1] as an 8-bit Rgba32 MLImage (rounded, clamped, opaque).</summary>
    internal static MLImage ToImage(float[] pixels, int height, int width)
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

    static byte ToByte(float v) => (byte)Math.Clamp(MathF.Round((v + 1f) * 127.5f), 0f, 255f);

    sealed class Run(DecodeMapping mapping, ValueGetter<VBuffer<float>> getter, int slots) : IBatchRun
    {
        readonly float[][] _latents = Enumerable.Range(0, slots).Select(_ => new float[mapping.tokenizer.Inference.LatentLength]).ToArray();
        readonly float[][] _pixels = new float[slots][];
        VBuffer<float> _buffer;

        public void Capture(int slot, long rowPosition)
        {
            getter(ref _buffer);
            _buffer.CopyTo(_latents[slot]);
        }

        public void Compute(int count) => TorchThreads.Run(TorchThreads.For(mapping.options.Threads, count), () =>
            mapping.tokenizer.Inference.Decode(_latents, count, _pixels));

        public Delegate OutputGetter(Func<int> slot)
        {
            var o = mapping.options;
            if (o.Output == DecodedOutput.PixelVector)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    var pixels = _pixels[slot()];
                    var editor = VBufferEditor.Create(ref dst, pixels.Length);
                    for (int i = 0; i < pixels.Length; i++) editor.Values[i] = (pixels[i] - o.PixelOffset) / o.PixelScale;
                    dst = editor.Commit();
                });
            int size = mapping.tokenizer.Config.ImageSize;
            return (ValueGetter<MLImage>)((ref MLImage dst) =>
            {
                dst?.Dispose();
                dst = ToImage(_pixels[slot()], size, size);
            });
        }

        public void Dispose() { }
    }
}
