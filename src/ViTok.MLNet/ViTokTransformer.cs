using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet;

/// <summary>
/// What every ViTok transformer shares: a batched mapping of one column to another, lazy batched transforms, a row
/// mapper for PredictionEngine, and saving (a twin plus manifest and weights; load with mlContext.LoadWithViTok).
/// A transformer owns its model's native weights: <see cref="Dispose"/> frees them (disposing twice is harmless);
/// afterwards every call, and every cursor made before, throws <see cref="ObjectDisposedException"/> naming it.
/// </summary>
public abstract class ViTokTransformer : ITransformer, IViTokComponent, IDisposable
{
    bool _disposed;

    private protected ViTokTransformer() { }

    private protected abstract BatchedMapping Mapping { get; }
    /// <summary>The exact bytes of the model file (tokenizer or generator) a saved pipeline stores.</summary>
    private protected abstract byte[] WeightBytes { get; }
    private protected abstract ComponentManifest Manifest { get; }
    /// <summary>Frees the model's native weights (called once).</summary>
    private protected abstract void DisposeModel();

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        Mapping.Bind(inputSchema);
        return BatchedDataView.OutputSchema(inputSchema, Mapping);
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        return new BatchedDataView(input, Mapping, ThrowIfDisposed);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return new BatchedRowMapper(inputSchema, Mapping, ThrowIfDisposed);
    }

    /// <summary>Frees the model's native weights now rather than at finalization. Disposing twice is harmless.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeModel();
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

    private protected void ThrowIfDisposed()
    {
        if (_disposed)
            throw new ObjectDisposedException(GetType().Name, $"This {GetType().Name} was disposed: its model's weights are freed. Fit or load the pipeline again.");
    }

    ComponentManifest IViTokComponent.Manifest => Manifest;
    byte[] IViTokComponent.WeightBytes => WeightBytes;

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        ViTokComponentSaver.Save(ctx, this);
    }
}
