using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.ReadImages;

namespace ViTok.MLNet;

/// <summary>
/// Adds an MLImage column read from image files or encoded bytes with `vitok`'s guarded decoder (see
/// <see cref="ReadImagesEstimator"/>). Lazy. Save with mlContext.SaveWithViTok; load with mlContext.LoadWithViTok.
/// </summary>
public sealed class ReadImagesTransformer : ITransformer, IViTokComponent
{
    readonly ReadImagesOptions _options;
    readonly ReadImagesMapping _mapping;

    internal ReadImagesTransformer(ReadImagesOptions options)
    {
        _options = options;
        _mapping = new ReadImagesMapping(options);
    }

    public string OutputColumnName => _options.OutputColumnName;
    public string InputColumnName => _mapping.InputColumn;
    /// <summary>The side of the images given; 0: each at its own size.</summary>
    public int ImageSize => _options.ImageSize;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        _mapping.Bind(inputSchema);
        return BatchedDataView.OutputSchema(inputSchema, _mapping);
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedDataView(input, _mapping);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new BatchedRowMapper(inputSchema, _mapping);
    }

    ComponentManifest IViTokComponent.Manifest => ComponentManifest.Of(ComponentManifest.ReadImagesKind, _options);
    byte[] IViTokComponent.WeightBytes => [];   // no model
    void ICanSaveModel.Save(ModelSaveContext ctx) => ViTokComponentSaver.Save(ctx, this);

    /// <summary>The transformer a saved pipeline describes.</summary>
    internal static ReadImagesTransformer FromManifest(ComponentManifest m) => new(m.ReadOptions<ReadImagesOptions>());
}
