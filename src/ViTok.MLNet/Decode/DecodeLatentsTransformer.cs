using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.Data;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;

namespace ViTok.MLNet.Decode;

/// <summary>
/// Adds a column of decoded images (MLImage) or pixel vectors computed by a ViTok decoder from a latent column.
/// Lazy and batched. Save with mlContext.Model.Save; load with mlContext.LoadWithViTok.
/// </summary>
public sealed class DecodeLatentsTransformer : ITransformer, IViTokComponent
{
    readonly CatalogHost _host;
    readonly DecodeLatentsOptions _options;
    readonly TokenizerHandle _tokenizer;
    readonly DecodeMapping _mapping;

    internal DecodeLatentsTransformer(CatalogHost host, DecodeLatentsOptions options, TokenizerHandle tokenizer)
    {
        _host = host;
        _options = options;
        _tokenizer = tokenizer;
        _mapping = new DecodeMapping(options, options.InputColumnName ?? options.OutputColumnName, tokenizer);
    }

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        _mapping.CheckInput(inputSchema);
        return BatchedDataView.OutputSchema(inputSchema, _mapping);
    }

    public IDataView Transform(IDataView input) => new BatchedDataView(input, _mapping);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchedRowMapper(inputSchema, _mapping);

    ComponentManifest IViTokComponent.Manifest => new()
    {
        Kind = ComponentManifest.DecodeKind,
        OutputColumn = _options.OutputColumnName,
        InputColumn = _mapping.InputColumn,
        BatchSize = _options.BatchSize,
        Device = _options.Device,
        Threads = _options.Threads,
        Precision = _options.Precision.ToString(),
        PixelScale = _options.PixelScale,
        PixelOffset = _options.PixelOffset,
        DecodeOutput = _options.Output.ToString(),
    };

    byte[] IViTokComponent.TokenizerBytes => _tokenizer.FileBytes;

    void ICanSaveModel.Save(ModelSaveContext ctx) => ViTokComponentSaver.Save(ctx, this);

    internal static DecodeLatentsTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights)
    {
        var options = new DecodeLatentsOptions
        {
            OutputColumnName = m.OutputColumn,
            InputColumnName = m.InputColumn,
            BatchSize = m.BatchSize,
            Device = m.Device,
            Threads = m.Threads,
            Precision = Enum.Parse<InferencePrecision>(m.Precision),
            PixelScale = m.PixelScale,
            PixelOffset = m.PixelOffset,
            Output = Enum.Parse<DecodedOutput>(m.DecodeOutput),
        };
        return new DecodeLatentsTransformer(host, options, TokenizerHandle.FromBytes(host, weights, m.Device, m.Threads, options.Precision));
    }
}
