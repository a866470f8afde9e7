using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.Models.Clips;

namespace ViTok.MLNet;

/// <summary>
/// An <see cref="IClipSource"/> as an IDataView, read in order without augmentation randomness (item i with the
/// Random of (seed, 0, i)): Origin (text), Label (int, -1 when unlabelled) and Pixels (float vector [3, T, H, W]
/// in [-1, 1]). Streams: one item in memory per cursor. The constructor's <c>progress</c> hears the count of rows read.
/// </summary>
public sealed class ClipSourceDataView : IDataView
{
    readonly IClipSource _source;
    readonly int _seed;
    readonly Action<long>? _progress;

    public ClipSourceDataView(IClipSource source, int frames, int height, int width, int seed = 0, Action<long>? progress = null)
    {
        _source = source;
        _seed = seed;
        _progress = progress;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Origin", TextDataViewType.Instance);
        builder.AddColumn("Label", NumberDataViewType.Int32);
        builder.AddColumn("Pixels", new VectorDataViewType(NumberDataViewType.Single, 3, frames, height, width));
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => _source.Count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    sealed class Cursor(ClipSourceDataView parent) : DataViewRowCursor
    {
        Clip? _clip;
        long _position = -1;
        readonly int _length = ((VectorDataViewType)parent.Schema["Pixels"].Type).Size;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext()
        {
            if (_position + 1 >= parent._source.Count) return false;
            _position++;
            int i = (int)_position;
            _clip = parent._source.Read(i, DeterministicRandom.ForItem(parent._seed, 0, i));
            if (_clip.Length != _length)
                throw new InvalidDataException($"{_clip.Origin}: a {_clip.Frames}x{_clip.Height}x{_clip.Width} clip where {parent.Schema["Pixels"].Type} was declared.");
            if ((_position + 1) % 256 == 0 || _position + 1 == parent._source.Count) parent._progress?.Invoke(_position + 1);
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Name switch
            {
                "Origin" => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = _clip!.Origin.AsMemory()),
                "Label" => (ValueGetter<int>)((ref int v) => v = _clip!.Label),
                _ => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
                {
                    var editor = VBufferEditor.Create(ref v, _length);
                    _clip!.Pixels.AsSpan().CopyTo(editor.Values);
                    v = editor.Commit();
                }),
            };
            return (ValueGetter<TValue>)getter;
        }
    }
}
