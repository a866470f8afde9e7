using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Decode;
using ViTok.Models.TokenizerV2;

namespace ViTok.MLNet.V2;

/// <summary>
/// ViTok-v2 latents back to images, each at the size it was encoded at: reads the latent column LATENT and its
/// LATENTRows, LATENTCols, LATENTHeight and LATENTWidth columns (as TokenizeImages writes them), one forward pass
/// per group of equal sizes in a batch. Output: an MLImage (of varying size) or a float pixel vector [3, H, W].
/// </summary>
sealed class V2DecodeMapping(DecodeLatentsOptions options, string input, V2ModelHandle model)
    : BatchedMapping(input, options.OutputColumnName, options.BatchSize)
{
    readonly DecodeLatentsOptions options = options;
    readonly V2ModelHandle model = model;

    public override IReadOnlyList<string> InputColumns => [InputColumn, .. V2Columns.For(InputColumn).Select(c => c.Name)];

    public override DataViewType OutputType => options.Output == DecodedOutput.Image
        ? new ImageDataViewType()
        : new VectorDataViewType(NumberDataViewType.Single);

    public override void CheckInput(DataViewSchema schema)
    {
        var col = schema.GetColumnOrNull(InputColumn)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Latent column '{InputColumn}' was not found in the data.");
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType n } || n.RawType != typeof(float))
            throw new ArgumentException($"Column '{InputColumn}' has type {col.Type}; the ViTok-v2 decoder expects a float vector of latents (tokens x {model.Config.Channels}).");
        foreach (var (name, _) in V2Columns.For(InputColumn))
        {
            var c = schema.GetColumnOrNull(name)
                ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' was not found: the ViTok-v2 decoder reads the grid and image size that TokenizeImages writes beside the latent column '{InputColumn}' ({string.Join(", ", V2Columns.Suffixes.Select(s => InputColumn + s))}).");
            if (c.Type != NumberDataViewType.Int32)
                throw new ArgumentException($"Column '{name}' has type {c.Type}; Int32 expected.");
        }
    }

    public override IBatchRun Start(DataViewRow row, int slots)
    {
        CheckInput(row.Schema);
        var sizes = V2Columns.For(InputColumn).Select(c => row.GetGetter<int>(row.Schema[c.Name])).ToArray();
        return new Run(this, row.GetGetter<VBuffer<float>>(row.Schema[InputColumn]), sizes, slots);
    }

    sealed class Run(V2DecodeMapping mapping, ValueGetter<VBuffer<float>> latentGetter, ValueGetter<int>[] sizeGetters, int slots) : IBatchRun
    {
        readonly V2Latent[] _latents = new V2Latent[slots];
        V2Image[] _images = [];
        VBuffer<float> _buffer;

        public void Capture(int slot, long rowPosition)
        {
            latentGetter(ref _buffer);
            var v = new int[4];
            for (int i = 0; i < 4; i++) sizeGetters[i](ref v[i]);
            var config = mapping.model.Config;
            var grid = new PatchGrid(v[0], v[1]);
            string where = $"Row {rowPosition} of '{mapping.InputColumn}'";
            if (v[2] < 1 || v[3] < 1 || PatchGrid.ForImage(v[2], v[3], config.Patch) != grid)
                throw new InvalidDataException($"{where}: image size {v[2]}x{v[3]} ({mapping.InputColumn}Height x Width) does not give the {grid} grid ({mapping.InputColumn}Rows x Cols) of {config.Patch}-pixel patches.");
            if (_buffer.Length != (long)grid.Count * config.Channels)
                throw new InvalidDataException($"{where}: {_buffer.Length} latent values; a {grid} grid with {config.Channels} channels needs {grid.Count * config.Channels}.");
            _latents[slot] = new V2Latent(_buffer.DenseValues().ToArray(), grid, v[2], v[3]);
        }

        public void Compute(int count) => _images = mapping.model.Inference.Decode(_latents[..count], mapping.BatchSize);

        public Delegate OutputGetter(Func<int> slot)
        {
            var o = mapping.options;
            if (o.Output == DecodedOutput.PixelVector)
                return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> dst) =>
                {
                    var pixels = _images[slot()].Pixels;
                    var editor = VBufferEditor.Create(ref dst, pixels.Length);
                    for (int i = 0; i < pixels.Length; i++) editor.Values[i] = (pixels[i] - o.PixelOffset) / o.PixelScale;
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
