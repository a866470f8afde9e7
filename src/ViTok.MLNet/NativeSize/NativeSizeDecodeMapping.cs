using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Decode;
using ViTok.Models.Tokenizer;
using ViTok.Models.TokenizerV2;

namespace ViTok.MLNet.NativeSize;

/// <summary>
/// Latents of a native-resolution tokenizer (ViTok-v2) back to images, each at the size it was encoded at: reads the latent column LATENT and its
/// LATENTRows, LATENTCols, LATENTHeight and LATENTWidth columns (as TokenizeImages writes them), one forward pass
/// per group of equal sizes in a batch. Output: an MLImage (of varying size) or a float pixel vector [3, H, W].
/// </summary>
sealed class NativeSizeDecodeMapping(DecodeLatentsOptions options, string input, TokenizerHandle model)
    : BatchedMapping(input, options.OutputColumnName, options.BatchSize)
{
    readonly DecodeLatentsOptions options = options;
    readonly TokenizerHandle model = model;

    public override IReadOnlyList<string> InputColumns => [InputColumn, .. GridColumns.For(InputColumn).Select(c => c.Name)];

    public override DataViewType OutputType => options.Output == DecodedOutput.Image
        ? new ImageDataViewType()
        : new VectorDataViewType(NumberDataViewType.Single);

    public override BatchRunStarter Bind(DataViewSchema schema)
    {
        Check(ColumnShape.Find(schema, InputColumn, "Latent"), GridColumns.For(InputColumn).Select(c => ColumnShape.Find(schema, c.Name, GridColumnsHint(InputColumn))), model.Info);
        return (row, slots) =>
        {
            var sizes = GridColumns.For(InputColumn).Select(c => row.GetGetter<int>(row.Schema[c.Name])).ToArray();
            return new Run(this, row.GetGetter<VBuffer<float>>(row.Schema[InputColumn]), sizes, slots);
        };
    }

    /// <summary>The one check of a native-resolution decoder's input columns, for the estimator's schema and the transformer's.</summary>
    public static void Check(ColumnShape latent, IEnumerable<ColumnShape> sizes, TokenizerShape config)
    {
        if (!latent.IsVector || latent.RawType != typeof(float) || latent.IsKey)
            throw new ArgumentException($"Column '{latent.Name}' has type {latent.Describe()}; the decoder of {config} expects a float vector of latents (tokens x {config.Channels}).");
        foreach (var c in sizes)
            if (!c.IsScalar || c.IsKey || c.RawType != typeof(int))
                throw new ArgumentException($"Column '{c.Name}' has type {c.Describe()}; Int32 expected.");
    }

    /// <summary>What "column not found" says of a missing grid or size column.</summary>
    public static string GridColumnsHint(string latent) =>
        $"Grid/size (a native-resolution decoder reads the grid and image size that TokenizeImages writes beside the latent column '{latent}': {string.Join(", ", GridColumns.Suffixes.Select(s => latent + s))})";

    sealed class Run(NativeSizeDecodeMapping mapping, ValueGetter<VBuffer<float>> latentGetter, ValueGetter<int>[] sizeGetters, int slots) : IBatchRun
    {
        readonly TokenizerLatent[] _latents = new TokenizerLatent[slots];
        TokenizerImage[] _images = [];
        VBuffer<float> _buffer;

        public void Capture(int slot, long rowPosition)
        {
            latentGetter(ref _buffer);
            var v = new int[4];
            for (int i = 0; i < 4; i++) sizeGetters[i](ref v[i]);
            var config = mapping.model.Info;
            var grid = new PatchGrid(v[0], v[1]);
            string where = $"Row {rowPosition} of '{mapping.InputColumn}'";
            if (v[2] < 1 || v[3] < 1 || PatchGrid.ForImage(v[2], v[3], config.Patch) != grid)
                throw new InvalidDataException($"{where}: image size {v[2]}x{v[3]} ({mapping.InputColumn}Height x Width) does not give the {grid} grid ({mapping.InputColumn}Rows x Cols) of {config.Patch}-pixel patches.");
            if (_buffer.Length != (long)grid.Count * config.Channels)
                throw new InvalidDataException($"{where}: {_buffer.Length} latent values; a {grid} grid with {config.Channels} channels needs {grid.Count * config.Channels}.");
            _latents[slot] = new TokenizerLatent(_buffer.DenseValues().ToArray(), grid, v[2], v[3]);
        }

        public void Compute(int count)
        {
            using var pass = mapping.model.Use();
            _images = pass.Model.Decode(_latents[..count], mapping.BatchSize);
        }

        public Delegate OutputGetter(Func<int> slot)
        {
            var o = mapping.options;
            if (o.Output == DecodedOutput.PixelVector)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    var pixels = _images[slot()].Pixels;
                    var editor = VBufferEditor.Create(ref dst, pixels.Length);
                    DecodeMapping.ToOutputScale(pixels, editor.Values, o);
                    dst = editor.Commit();
                });
            return (ValueGetter<MLImage>)((ref MLImage dst) =>
            {
                var image = _images[slot()];
                dst?.Dispose();
                dst = DecodeMapping.ToImage(image.Pixels, image.Height, image.Width);
            });
        }

        public void Dispose() { }
    }
}
