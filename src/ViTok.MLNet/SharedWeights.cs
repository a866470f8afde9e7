namespace ViTok.MLNet;

/// <summary>
/// A model's native weights shared by every consumer of one transformer: its cursors, its row mappers, every
/// PredictionEngine made from it (which, by ML.NET's default, disposes the transformer when it is disposed itself).
/// Each forward pass holds a <see cref="Pass"/>; <see cref="Release"/> frees the weights as soon as no pass holds them
/// (never under a running pass), and the next pass loads them again from the file bytes the transformer keeps for
/// saving. So disposing one engine, or the transformer, frees memory without breaking anyone still using it, and no
/// forward pass ever runs on freed weights. Reference counting of owners was the alternative; it cannot work here,
/// because ML.NET calls Dispose on a transformer it does not own and nothing tells the calls apart.
/// </summary>
sealed class SharedWeights<T>(Func<T> load, T loaded) where T : class, IDisposable
{
    readonly object _gate = new();
    T? _model = loaded;
    int _passes;
    bool _releaseRequested;

    /// <summary>Starts a pass: the weights (loaded again if they were released) stay valid until the pass is disposed.</summary>
    public Pass Begin()
    {
        lock (_gate)
        {
            _model ??= load();
            _passes++;
            return new Pass(this, _model);
        }
    }

    /// <summary>Frees the weights now, or when the last running pass ends. Harmless when already released.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_passes == 0) Free();
            else _releaseRequested = true;
        }
    }

    /// <summary>Whether the weights are in memory (for tests and diagnostics).</summary>
    public bool IsLoaded
    {
        get { lock (_gate) return _model is not null; }
    }

    void End()
    {
        lock (_gate)
        {
            if (--_passes == 0 && _releaseRequested) Free();
        }
    }

    void Free()
    {
        _model?.Dispose();
        _model = null;
        _releaseRequested = false;
    }

    /// <summary>One forward pass's hold on the weights.</summary>
    public sealed class Pass(SharedWeights<T> owner, T model) : IDisposable
    {
        bool _ended;

        public T Model => _ended ? throw new ObjectDisposedException(nameof(Pass)) : model;

        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            owner.End();
        }
    }
}
