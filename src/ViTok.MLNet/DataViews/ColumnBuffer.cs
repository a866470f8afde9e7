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
            if (_current is null) return;
            var copy = MLImage.CreateFromPixels(_current.Width, _current.Height, _current.PixelFormat, _current.Pixels);
            copy.Tag = _current.Tag;
            _copies[slot] = copy;
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
