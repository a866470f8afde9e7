using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.Models.Runtime;

namespace ViTok.MLNet.Tokenize;

/// <summary>Images (or pixel vectors, or encoded bytes) to latents, one forward pass per batch.</summary>
sealed class TokenizeMapping(TokenizeImagesOptions options, string input, TokenizerHandle tokenizer)
    : BatchedMapping(input, options.OutputColumnName, options.BatchSize)
{
    readonly TokenizeImagesOptions options = options;
    readonly TokenizerHandle tokenizer = tokenizer;

    public override DataViewType OutputType => LatentColumn.Type(tokenizer.Config, options.Layout);

    public override void CheckInput(DataViewSchema schema) => Kind(schema);

    PixelInputKind Kind(DataViewSchema schema) => PixelInput.Check(schema, InputColumn, tokenizer.Config.Frames, tokenizer.Config.ImageSize);

    public override IBatchRun Start(DataViewRow row, int slots) =>
        new Run(this, PixelInput.Create(Kind(row.Schema), row, InputColumn, tokenizer.Config.ImageSize, options.PixelScale, options.PixelOffset), slots);

    sealed class Run(TokenizeMapping mapping, PixelInput reader, int slots) : IBatchRun
    {
        readonly float[][] _pixels = Enumerable.Range(0, slots).Select(_ => new float[mapping.tokenizer.Inference.PixelLength]).ToArray();
        readonly float[][] _latents = new float[slots][];
        long _firstRow;

        public void Capture(int slot, long rowPosition)
        {
            if (slot == 0) _firstRow = rowPosition;
            reader.Read(_pixels[slot], rowPosition);
        }

        public void Compute(int count) => TorchThreads.Run(TorchThreads.For(mapping.options.Threads, count), () =>
            mapping.tokenizer.Inference.Encode(_pixels, count, _latents, mapping.options.Latent, mapping.options.Seed + _firstRow));

        public Delegate OutputGetter(Func<int> slot) => LatentColumn.Getter(_latents, slot);

        public void Dispose() => reader.Dispose();
    }
}
