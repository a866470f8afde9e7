using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ViTok.MLNet.DataViews;

/// <summary>
/// Holds one column's values for every row of a batch, so that a batched cursor can read B input rows ahead and
/// still serve each row's pass-through columns. Each slot keeps its own value (VBuffers are deep-copied; images are
/// copied, since upstream disposes an image when it fetches the next row's).
/// </summary>
abstract class ColumnBuffer : IDisposable
{
    public abstract void Capture(int slot);
    public abstract Delegate Getter(Func<int> slot);

    public virtual void Dispose() { }

    public static ColumnBuffer Create(DataViewRow input, DataViewSchema.Column column, int slots)
    {
        if (column.Type is ImageDataViewType) return new ImageCopies(input.GetGetter<MLImage>(column), slots);
        var vector = column.Type as VectorDataViewType;
        var method = typeof(ColumnBuffer).GetMethod(vector is null ? nameof(CreateTyped) : nameof(CreateVectors),
                System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(vector is null ? column.Type.RawType : vector.ItemType.RawType);
        return (ColumnBuffer)method.Invoke(null, [input, column, slots])!;
    }

    static ColumnBuffer CreateTyped<T>(DataViewRow input, DataViewSchema.Column column, int slots) =>
        new Typed<T>(input.GetGetter<T>(column), slots);

    static ColumnBuffer CreateVectors<T>(DataViewRow input, DataViewSchema.Column column, int slots) =>
        new Vectors<T>(input.GetGetter<VBuffer<T>>(column), slots);

    /// <summary>Values without buffers of their own (numbers, keys, text, booleans): copied by assignment.</summary>
    sealed class Typed<T>(ValueGetter<T> source, int slots) : ColumnBuffer
    {
        readonly T[] _values = new T[slots];

        public override void Capture(int slot) => source(ref _values[slot]);

        public override Delegate Getter(Func<int> slot) => (ValueGetter<T>)((ref T dst) => dst = _values[slot()]);
    }

    /// <summary>
    /// Vectors, deep-copied both ways: upstream may hand out arrays it refills for a later row (another batched
    /// cursor serving its slots does), and a reader may write into the buffer it passes in. Sharing arrays either
    /// way let a slot take another row's values when a batch reading ahead is larger than the one upstream.
    /// </summary>
    sealed class Vectors<T>(ValueGetter<VBuffer<T>> source, int slots) : ColumnBuffer
    {
        readonly VBuffer<T>[] _values = new VBuffer<T>[slots];
        VBuffer<T> _fetched;

        public override void Capture(int slot)
        {
            source(ref _fetched);
            _fetched.CopyTo(ref _values[slot]);
        }

        public override Delegate Getter(Func<int> slot) => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> dst) => _values[slot()].CopyTo(ref dst));
    }

    /// <summary>Each slot owns a copy of its row's image, disposed when the slot is refilled or the buffer disposed.</summary>
    sealed class ImageCopies(ValueGetter<MLImage> source, int slots) : ColumnBuffer
    {
        readonly MLImage?[] _copies = new MLImage?[slots];
        MLImage _current = null!;

        public override void Capture(int slot)
        {
            source(ref _current);
            _copies[slot]?.Dispose();
            _copies[slot] = null;
            if (_current is not null) _copies[slot] = OncePerRowImages.Copy(_current);
        }

        public override Delegate Getter(Func<int> slot) => (ValueGetter<MLImage>)((ref MLImage dst) => dst = _copies[slot()]!);

        public override void Dispose()
        {
            for (int i = 0; i < _copies.Length; i++)
            {
                _copies[i]?.Dispose();
                _copies[i] = null;
            }
        }
    }
}
