using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Runtime;

/// <summary>
/// One batch of equal-sized items as one flat float array, for hosts that fill or read items one by one (ML.NET
/// cursors): item i is <see cref="Slot"/>(i). Torch reads the first items in place (<see cref="View"/> wraps the
/// array, no copy) and writes results in place (<see cref="CopyFrom"/>, one native copy that also converts dtype and
/// device). The array lives on the pinned object heap, so a tensor over it costs no pinning work; a tensor over it
/// keeps the array alive until the tensor is disposed. Not thread-safe: one buffer per cursor.
/// </summary>
public sealed class BatchBuffer
{
    readonly float[] _values;

    /// <param name="capacity">Items the buffer holds (the batch size).</param>
    /// <param name="itemLength">Floats per item.</param>
    public BatchBuffer(int capacity, int itemLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(itemLength, 1);
        Capacity = capacity;
        ItemLength = itemLength;
        _values = GC.AllocateArray<float>(checked(capacity * itemLength), pinned: true);
    }

    public int Capacity { get; }
    public int ItemLength { get; }

    /// <summary>Item <paramref name="index"/>'s floats.</summary>
    public Span<float> Slot(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Capacity);
        return _values.AsSpan(index * ItemLength, ItemLength);
    }

    /// <summary>
    /// Items [0, <paramref name="count"/>) as a CPU float tensor [count, ...<paramref name="itemShape"/>] sharing this
    /// buffer's memory. The caller owns (disposes) it and must not refill the slots while it is in use.
    /// </summary>
    public Tensor View(int count, params long[] itemShape)
    {
        CheckCount(count, itemShape);
        using var scope = NewDisposeScope();
        var all = from_array(_values, ScalarType.Float32, CPU);                     // shares _values
        var shape = new long[itemShape.Length + 1];
        shape[0] = count;
        itemShape.CopyTo(shape, 1);
        return all.narrow(0, 0, (long)count * ItemLength).view(shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Writes <paramref name="batch"/> [count, ...] (any float dtype, any device) into items [0, count): one native copy
    /// that converts to float32 and to the CPU on the way.
    /// </summary>
    public void CopyFrom(Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int count = checked((int)batch.shape[0]);
        using var target = View(count, batch.shape[1..]);
        using var _ = no_grad();
        target.copy_(batch);
    }

    void CheckCount(int count, long[] itemShape)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        long length = 1;
        foreach (long d in itemShape) length *= d;
        if (length != ItemLength)
            throw new ArgumentException($"An item of shape [{string.Join(", ", itemShape)}] has {length} values; this buffer's items have {ItemLength}.", nameof(itemShape));
    }
}
