using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet.Tokenize;

/// <summary>
/// Images (or pixel vectors, or encoded bytes) to latents, one forward pass per batch: each row's pixels are written
/// straight into its slot of one flat batch buffer that torch reads in place, and the latents come back into one
/// buffer that the getter copies from.
/// </summary>
sealed class TokenizeMapping(TokenizeImagesOptions options, string input, TokenizerHandle tokenizer)
    : BatchedMapping(input, options.OutputColumnName, options.BatchSize)
{
    readonly TokenizeImagesOptions options = options;
    readonly TokenizerHandle tokenizer = tokenizer;

    public override DataViewType OutputType => LatentColumn.Type(tokenizer.Info, options.Layout);

    public override BatchRunStarter Bind(DataViewSchema schema)
    {
        var config = tokenizer.Info;
        var kind = PixelInput.Check(ColumnShape.Find(schema, InputColumn, "Input"), config.Frames, config.ImageSize);
        return (row, slots) => new Run(this, PixelInput.Create(kind, row, InputColumn, config.ImageSize, options.PixelScale, options.PixelOffset), slots);
    }

    sealed class Run(TokenizeMapping mapping, PixelInput reader, int slots) : IBatchRun
    {
        readonly BatchBuffer _pixels = new(slots, mapping.tokenizer.Info.PixelLength(mapping.tokenizer.Info.ImageSize, mapping.tokenizer.Info.ImageSize));
        readonly BatchBuffer _latents = new(slots, mapping.tokenizer.Info.LatentLength(mapping.tokenizer.Info.ImageSize, mapping.tokenizer.Info.ImageSize));
        readonly long[] _seeds = new long[slots];
        readonly long[] _rows = new long[slots];

        public void Capture(int slot, long rowPosition)
        {
            var pixels = _pixels.Slot(slot);
            reader.Read(pixels, rowPosition);
            FiniteValues.CheckInput(pixels, mapping.InputColumn, $"row {rowPosition}");
            _seeds[slot] = RowNoise.RowSeed(mapping.options.Seed, rowPosition);   // a sampled latent depends on its row, not its batch
            _rows[slot] = rowPosition;
        }

        public void Compute(int count)
        {
            using (var pass = mapping.tokenizer.Use())
                TorchThreads.Run(TorchThreads.For(mapping.options.Threads, count), () =>
                    pass.Model.Encode(_pixels, count, mapping.tokenizer.Info.ImageSize, mapping.tokenizer.Info.ImageSize, _latents, mapping.options.Latent, _seeds));
            for (int i = 0; i < count; i++)
                FiniteValues.CheckOutput(_latents.Slot(i), mapping.OutputColumn, $"row {_rows[i]}", () =>
                    $"its pixels (after PixelScale and PixelOffset, which should bring them to [-1, 1]) have {FiniteValues.Range(_pixels.Slot(i))}");
        }

        public Delegate OutputGetter(Func<int> slot) => LatentColumn.Getter(_latents, slot);

        public void Dispose() => reader.Dispose();
    }
}
