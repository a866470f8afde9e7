using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.Data;
using ViTok.MLNet.Persistence;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet.Tokenize;

/// <summary>
/// Adds a latent column (<c>VBuffer&lt;float&gt;</c> shaped [tokens, c] or [t, h, w, c]) computed by a ViTok tokenizer
/// from an image column. Lazy and batched: one forward pass per <see cref="TokenizeImagesOptions.BatchSize"/> rows.
/// Save with mlContext.Model.Save; load with <see cref="ViTokModelLoader.LoadWithViTok(MLContext, string, out DataViewSchema)"/>.
/// </summary>
public sealed class TokenizeImagesTransformer : ITransformer, IViTokComponent
{
    readonly CatalogHost _host;
    readonly TokenizeImagesOptions _options;
    readonly TokenizerHandle _tokenizer;
    readonly TokenizeMapping _mapping;

    internal TokenizeImagesTransformer(CatalogHost host, TokenizeImagesOptions options, TokenizerHandle tokenizer)
    {
        _host = host;
        _options = options;
        _tokenizer = tokenizer;
        _mapping = new TokenizeMapping(options, options.InputColumnName ?? options.OutputColumnName, tokenizer);
    }

    /// <summary>The tokenizer's configuration (variant, image size, channels...).</summary>
    public ViTokConfig TokenizerConfig => _tokenizer.Config;

    public string OutputColumnName => _options.OutputColumnName;
    public string InputColumnName => _mapping.InputColumn;

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
        Kind = ComponentManifest.TokenizeKind,
        OutputColumn = _options.OutputColumnName,
        InputColumn = _mapping.InputColumn,
        BatchSize = _options.BatchSize,
        Device = _options.Device,
        Threads = _options.Threads,
        Precision = _options.Precision.ToString(),
        Latent = _options.Latent.ToString(),
        Seed = _options.Seed,
        Layout = _options.Layout.ToString(),
        PixelScale = _options.PixelScale,
        PixelOffset = _options.PixelOffset,
    };

    byte[] IViTokComponent.TokenizerBytes => _tokenizer.FileBytes;

    void ICanSaveModel.Save(ModelSaveContext ctx) => ViTokComponentSaver.Save(ctx, this);

    internal static TokenizeImagesTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights)
    {
        var options = new TokenizeImagesOptions
        {
            OutputColumnName = m.OutputColumn,
            InputColumnName = m.InputColumn,
            BatchSize = m.BatchSize,
            Device = m.Device,
            Threads = m.Threads,
            Precision = Enum.Parse<InferencePrecision>(m.Precision),
            Latent = Enum.Parse<LatentKind>(m.Latent),
            Seed = m.Seed,
            Layout = Enum.Parse<LatentLayout>(m.Layout),
            PixelScale = m.PixelScale,
            PixelOffset = m.PixelOffset,
        };
        return new TokenizeImagesTransformer(host, options, TokenizerHandle.FromBytes(host, weights, m.Device, m.Threads, options.Precision));
    }

}
