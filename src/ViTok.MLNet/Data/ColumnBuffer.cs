using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.Data;

/// <summary>
/// Holds one column's values for every row of a batch, so that a batched cursor can read B input rows ahead and
/// still serve each row's pass-through columns. Each slot keeps its own value (VBuffers are deep-copied).
/// </summary>
abstract class ColumnBuffer
{
    public abstract void Capture(int slot);
    public abstract Delegate Getter(Func<int> slot);

    public static ColumnBuffer Create(DataViewRow input, DataViewSchema.Column column, int slots)
    {
        var method = typeof(ColumnBuffer).GetMethod(nameof(CreateTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (ColumnBuffer)method.Invoke(null, [input, column, slots])!;
    }

    static ColumnBuffer CreateTyped<T>(DataViewRow input, DataViewSchema.Column column, int slots) =>
        new Typed<T>(input.GetGetter<T>(column), slots);

    sealed class Typed<T>(ValueGetter<T> source, int slots) : ColumnBuffer
    {
        readonly T[] _values = new T[slots];

        // Each slot owns its value: a VBuffer getter may reuse the slot's arrays, never another slot's.
        public override void Capture(int slot) => source(ref _values[slot]);

        public override Delegate Getter(Func<int> slot) => (ValueGetter<T>)((ref T dst) => dst = _values[slot()]);
    }
}
