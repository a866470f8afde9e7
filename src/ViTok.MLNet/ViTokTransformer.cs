using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet;

/// <summary>
/// What every ViTok transformer shares: a batched mapping of one column to another, lazy batched transforms, a row
/// mapper for PredictionEngine, and saving (a twin plus manifest and weights; load with mlContext.LoadWithViTok).
/// A transformer with a model (all but ReadImages) owns its native weights: <see cref="Dispose"/> frees them as soon as no forward pass is
/// running. It stays usable: its cursors, row mappers and PredictionEngines (which dispose the transformer when they
/// are disposed, by ML.NET's default) load the weights again from the file bytes it keeps, so disposing one consumer
/// never breaks another, and no forward pass runs on freed weights (<see cref="SharedWeights{T}"/>).
/// </summary>
public abstract class ViTokTransformer : ITransformer, IViTokComponent, IDisposable
{
    readonly IModelHandle? _model;

    /// <param name="model">The model this transformer owns (and frees on <see cref="Dispose"/>); null for a component without one.</param>
    private protected ViTokTransformer(IModelHandle? model) => _model = model;

    private protected abstract BatchedMapping Mapping { get; }
    private protected abstract ComponentManifest Manifest { get; }
    /// <summary>The exact bytes of the model file (tokenizer or generator) a saved pipeline stores.</summary>
    private protected byte[] WeightBytes => _model?.FileBytes ?? [];
    /// <summary>Whether the model's weights are in memory now (they are loaded again on use after <see cref="Dispose"/>).</summary>
    internal bool WeightsLoaded => _model?.IsLoaded ?? false;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Mapping.Bind(inputSchema);
        return BatchedDataView.OutputSchema(inputSchema, Mapping);
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new BatchedDataView(input, Mapping);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new BatchedRowMapper(inputSchema, Mapping);
    }

    /// <summary>
    /// Frees the model's native weights now (or when the running forward passes end) rather than at finalization.
    /// Disposing twice is harmless; using the transformer afterwards loads the weights again.
    /// </summary>
    public void Dispose()
    {
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A new transformer over <paramref name="model"/> (which it then owns), its input schema checked against
    /// <paramref name="input"/> before any row is read; on any failure the model is freed before the error propagates.
    /// </summary>
    internal static T Fitted<T>(IDisposable model, Func<T> create, DataViewSchema input) where T : ViTokTransformer
    {
        T? transformer = null;
        try
        {
            transformer = create();
            transformer.GetOutputSchema(input);
            return transformer;
        }
        catch
        {
            if (transformer is null) model.Dispose();
            else transformer.Dispose();
            throw;
        }
    }

    /// <summary>A new transformer over <paramref name="model"/> (which it then owns); the model is freed if building it fails.</summary>
    internal static T Owning<T>(IDisposable model, Func<T> create) where T : ViTokTransformer
    {
        try { return create(); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    ComponentManifest IViTokComponent.Manifest => Manifest;
    byte[] IViTokComponent.WeightBytes => WeightBytes;

    void ICanSaveModel.Save(ModelSaveContext ctx) => ViTokComponentSaver.Save(ctx, this);
}
