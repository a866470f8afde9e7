using System.Threading.Channels;

namespace ViTok.Models.Clips;

/// <summary>
/// Turns a source into a stream of batches, decoded ahead on background threads.
/// <para>
/// Order: epoch e visits the items in the permutation drawn from (seed, e) (or in source order without shuffling),
/// <see cref="ClipLoaderOptions.BatchSize"/> at a time. Item i of epoch e is read with a <see cref="Random"/> seeded
/// from (seed, e, i), so its augmentation never depends on which worker read it or when. Batches are handed out in
/// order whatever the workers' timing: the batches for a seed are always the same.
/// </para>
/// <para>
/// Resuming: <see cref="Position"/> (or a batch's <see cref="ClipBatch.Next"/>) saved and passed to a new loader with
/// the same source and options gives exactly the batches that would have followed.
/// </para>
/// <para>
/// Bad items: a <see cref="BadItemException"/> stops the run (<see cref="Next"/> rethrows it, naming the file), unless
/// <see cref="ClipLoaderOptions.SkipBadItems"/>: then the item is replaced by the next source index (wrapping), read
/// with a random state derived from the bad one's, and counted in <see cref="SkippedItems"/> / <see cref="BadOrigins"/>.
/// Other exceptions always stop the run.
/// </para>
/// <para>
/// Threads: one consumer calls <see cref="Next"/> / <see cref="NextAsync"/>; <see cref="Dispose"/> stops the workers
/// (each finishes the item it is reading) and waits for them.
/// </para>
/// </summary>
public sealed class ClipLoader : IDisposable
{
    readonly IClipSource _source;
    readonly ClipLoaderOptions _options;
    readonly int _count;
    readonly Channel<BatchJob> _ordered;
    readonly Channel<BatchJob> _work;
    readonly CancellationTokenSource _stop = new();
    readonly Thread[] _workers;
    readonly Task _scheduler;
    readonly List<string> _badOrigins = [];
    readonly HashSet<string> _badSet = new(StringComparer.Ordinal);
    BatchJob? _pending;
    bool _disposed;

    /// <summary>Starts decoding at <paramref name="start"/> (default: epoch 0, index 0).</summary>
    public ClipLoader(IClipSource source, ClipLoaderOptions? options = null, LoaderPosition? start = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _options = options ?? new ClipLoaderOptions();
        _options.Validate();
        _count = source.Count;
        if (_count < 1) throw new ArgumentException($"{source.Description} has no items.", nameof(source));
        if (_options.DropLast && _count < _options.BatchSize)
            throw new ArgumentException(
                $"{source.Description} has {_count} items, fewer than one batch of {_options.BatchSize}, and DropLast is set: no batch would ever come.", nameof(options));
        start ??= LoaderPosition.Start;
        if (start.Epoch < 0 || start.Index < 0 || start.Index > _count)
            throw new ArgumentOutOfRangeException(nameof(start), start,
                $"Position {start} is outside {source.Description}: the epoch must be >= 0 and the index within 0..{_count}.");
        Position = Normalize(start);

        int capacity = Math.Max(_options.Prefetch, _options.Workers);
        _ordered = Channel.CreateBounded<BatchJob>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        _work = Channel.CreateUnbounded<BatchJob>(new UnboundedChannelOptions { SingleWriter = true });
        _workers = new Thread[_options.Workers];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"ClipLoader worker {i}" };
            _workers[i].Start();
        }
        _scheduler = Task.Run(() => ScheduleAsync(Position, _stop.Token));
    }

    /// <summary>Where the next batch starts; save it to resume.</summary>
    public LoaderPosition Position { get; private set; }

    /// <summary>True once the last of <see cref="ClipLoaderOptions.Epochs"/> epochs has been handed out.</summary>
    public bool Finished => _options.Epochs is int e && Position.Epoch >= e;

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch => _options.DropLast ? _count / _options.BatchSize : (_count + _options.BatchSize - 1) / _options.BatchSize;

    /// <summary>Items of the batches handed out so far that were unreadable and replaced (a file bad in two epochs counts twice).</summary>
    public int SkippedItems { get; private set; }

    /// <summary>Distinct origins of the unreadable items met so far, in the order first met.</summary>
    public IReadOnlyList<string> BadOrigins => _badOrigins;

    /// <summary>The item order of epoch <paramref name="epoch"/> for a source of <paramref name="count"/> items.</summary>
    public static int[] EpochOrder(int count, int seed, int epoch, bool shuffle)
    {
        if (!shuffle) return Enumerable.Range(0, count).ToArray();
        return DeterministicRandom.Permutation(count, DeterministicRandom.Seed(seed, epoch, 0xE90C));
    }

    /// <summary>The next batch, waiting for it if needed; null after the last epoch. Rethrows a bad item's exception.</summary>
    public ClipBatch? Next(CancellationToken cancellationToken = default) =>
        NextAsync(cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>The next batch; null after the last epoch. Cancelling loses nothing: the next call returns the same batch.</summary>
    public async ValueTask<ClipBatch?> NextAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pending is null)
        {
            while (!_ordered.Reader.TryRead(out _pending))
                if (!await _ordered.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    return null;
        }
        var batch = await _pending.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        _pending = null;
        Position = batch.Next;
        SkippedItems += batch.Skipped;
        foreach (string origin in batch.BadOrigins)
            if (_badSet.Add(origin)) _badOrigins.Add(origin);
        return batch;
    }

    /// <summary>Stops the workers and waits for them; further calls to <see cref="Next"/> throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _work.Writer.TryComplete();
        foreach (var worker in _workers) worker.Join();
        try { _scheduler.Wait(); }
        catch (AggregateException) { /* the scheduler's failure was already handed to the consumer */ }
        _pending?.Result.TrySetCanceled();
        while (_ordered.Reader.TryRead(out var job)) job.Result.TrySetCanceled();
        _stop.Dispose();
    }

    /// <summary>Workers still running (for tests).</summary>
    internal int AliveWorkers => _workers.Count(w => w.IsAlive);

    LoaderPosition Normalize(LoaderPosition p)
    {
        int remaining = _count - p.Index;
        return remaining <= 0 || (_options.DropLast && remaining < _options.BatchSize) ? new LoaderPosition(p.Epoch + 1, 0) : p;
    }

    async Task ScheduleAsync(LoaderPosition start, CancellationToken ct)
    {
        try
        {
            var position = start;
            int[] order = [];
            int orderEpoch = -1;
            while (_options.Epochs is not int last || position.Epoch < last)
            {
                if (orderEpoch != position.Epoch)
                {
                    order = EpochOrder(_count, _options.Seed, position.Epoch, _options.Shuffle);
                    orderEpoch = position.Epoch;
                }
                int take = Math.Min(_options.BatchSize, _count - position.Index);
                var next = Normalize(position with { Index = position.Index + take });
                var job = new BatchJob(position, next, order[position.Index..(position.Index + take)]);
                await _ordered.Writer.WriteAsync(job, ct).ConfigureAwait(false);
                _work.Writer.TryWrite(job);
                position = next;
            }
            _ordered.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _ordered.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _ordered.Writer.TryComplete(e);
        }
        finally
        {
            _work.Writer.TryComplete();
        }
    }

    void WorkerLoop()
    {
        var ct = _stop.Token;
        var reader = _work.Reader;
        try
        {
            while (true)
            {
                while (reader.TryRead(out var job))
                {
                    if (ct.IsCancellationRequested) { job.Result.TrySetCanceled(ct); return; }
                    try { job.Result.TrySetResult(Decode(job, ct)); }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested) { job.Result.TrySetCanceled(ct); return; }
                    catch (Exception e) { job.Result.TrySetException(e); }
                }
                if (!reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult()) return;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Disposed while waiting for work.
        }
    }

    ClipBatch Decode(BatchJob job, CancellationToken ct)
    {
        var clips = new Clip[job.Items.Length];
        var bad = new List<string>();
        int skipped = 0;
        for (int k = 0; k < clips.Length; k++)
        {
            ct.ThrowIfCancellationRequested();
            int before = bad.Count;
            clips[k] = ReadItem(job.Position.Epoch, job.Items[k], bad);
            if (bad.Count > before) skipped++;
        }
        return new ClipBatch(clips, job.Position, job.Next, skipped, bad.Distinct(StringComparer.Ordinal).ToArray());
    }

    Clip ReadItem(int epoch, int index, List<string> bad)
    {
        for (int attempt = 0; ; attempt++)
        {
            int item = (int)((index + (long)attempt) % _count);
            var rng = attempt == 0
                ? DeterministicRandom.ForItem(_options.Seed, epoch, item)
                : new Random(DeterministicRandom.Seed(_options.Seed, epoch, index, attempt));
            try
            {
                return _source.Read(item, rng);
            }
            catch (BadItemException e) when (_options.SkipBadItems)
            {
                bad.Add(e.Origin);
                if (attempt + 1 >= Math.Min(_options.MaxConsecutiveBadItems, _count))
                    throw new InvalidDataException(
                        $"{attempt + 1} items in a row of {_source.Description} could not be read (SkipBadItems gives up); the last: {e.Message}", e);
            }
        }
    }

    /// <summary>One batch to decode: its items and the promise the consumer waits on.</summary>
    sealed class BatchJob(LoaderPosition position, LoaderPosition next, int[] items)
    {
        public LoaderPosition Position { get; } = position;
        public LoaderPosition Next { get; } = next;
        public int[] Items { get; } = items;
        public TaskCompletionSource<ClipBatch> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
