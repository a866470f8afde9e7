using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// Batches drawn from items held in memory (each [3, T, H, W] floats in [-1, 1]): every epoch is a permutation
/// seeded by (seed, epoch); the position "epoch:index" restores the stream exactly. Used when the data is already
/// materialised (an ML.NET IDataView, a test).
/// </summary>
public sealed class InMemoryBatchStream : IBatchStream
{
    readonly IReadOnlyList<float[]> _items;
    readonly long[] _shape;
    readonly int _batch;
    readonly long _seed;
    int _epoch, _index;
    int[] _order;

    /// <param name="itemShape">Shape of one item, e.g. [3, 1, 32, 32].</param>
    /// <param name="position">A <see cref="Position"/> from an earlier stream over the same items, or null.</param>
    public InMemoryBatchStream(IReadOnlyList<float[]> items, long[] itemShape, int batchSize, long seed, string? position = null)
    {
        if (items.Count == 0) throw new ArgumentException("The training data is empty.");
        long length = itemShape.Aggregate(1L, (a, b) => a * b);
        for (int i = 0; i < items.Count; i++)
            if (items[i].Length != length) throw new ArgumentException($"Item {i} has {items[i].Length} numbers; [{string.Join(", ", itemShape)}] needs {length}.");
        _items = items;
        _shape = itemShape;
        _batch = batchSize;
        _seed = seed;
        if (position is not null)
        {
            var parts = position.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[0], out _epoch) || !int.TryParse(parts[1], out _index) || _index < 0 || _index > items.Count)
                throw new ArgumentException($"Data position '{position}' is not of the form epoch:index for {items.Count} items.");
        }
        _order = Permutation(_epoch);
    }

    public string Position => $"{_epoch}:{_index}";
    public IReadOnlyList<string> SkippedItems => [];

    int[] Permutation(int epoch)
    {
        var order = Enumerable.Range(0, _items.Count).ToArray();
        new Random(unchecked((int)(_seed * 1_000_003 + epoch * 7_919) & int.MaxValue)).Shuffle(order);   // deterministic across processes (HashCode is not)
        return order;
    }

    public Tensor Next()
    {
        long length = _items[0].Length;
        var flat = new float[_batch * length];
        for (int b = 0; b < _batch; b++)
        {
            if (_index == _items.Count)
            {
                _epoch++;
                _index = 0;
                _order = Permutation(_epoch);
            }
            Array.Copy(_items[_order[_index++]], 0, flat, b * length, length);
        }
        return tensor(flat, [_batch, .. _shape]);
    }

    public void Dispose() { }
}
