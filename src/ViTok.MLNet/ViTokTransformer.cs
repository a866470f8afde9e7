using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet;

/// <summary>
/// What every ViTok transformer shares: a batched mapping of one column to another, lazy batched transforms, a row
/// mapper for PredictionEngine, and saving (a twin plus manifest and weights; load with mlContext.LoadWithViTok).
/// </summary>
public abstract class ViTokTransformer : ITransformer, IViTokComponent
{
    private protected ViTokTransformer() { }

    private protected abstract BatchedMapping Mapping { get; }
    /// <summary>The exact bytes of the model file (tokenizer or generator) a saved pipeline stores.</summary>
    private protected abstract byte[] WeightBytes { get; }
    private protected abstract ComponentManifest Manifest { get; }

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        Mapping.CheckInput(inputSchema);
        return BatchedDataView.OutputSchema(inputSchema, Mapping);
    }

    public IDataView Transform(IDataView input) => new BatchedDataView(input, Mapping);

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new BatchedRowMapper(inputSchema, Mapping);

    ComponentManifest IViTokComponent.Manifest => Manifest;
    byte[] IViTokComponent.WeightBytes => WeightBytes;
    void ICanSaveModel.Save(ModelSaveContext ctx) => ViTokComponentSaver.Save(ctx, this);
}
