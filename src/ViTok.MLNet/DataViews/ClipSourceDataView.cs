using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.Models.Clips;

namespace ViTok.MLNet;

/// <summary>
/// An <see cref="IClipSource"/> as an IDataView, read in order without augmentation randomness (item i with the
/// Random of (seed, 0, i)): Origin (text), Label (int, -1 when unlabelled) and Pixels (float vector [3, T, H, W]
/// in [-1, 1]). Streams: one item in memory per cursor. The constructor's <c>progress</c> hears the count of items read.
/// An unreadable item (<see cref="BadItemException"/>) stops the cursor, naming its file, unless <c>skipBadItems</c>:
/// then it is left out (the view then has no row count) and its origin is listed in <see cref="Skipped"/>.
/// A cancelled <c>cancel</c> token stops the cursor at its next row with <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class ClipSourceDataView : IDataView
{
    readonly IClipSource _source;
    readonly int _seed;
    readonly Action<long>? _progress;
    readonly bool _skipBadItems;
    readonly CancellationToken _cancel;
    readonly List<string> _skipped = [];
    readonly HashSet<string> _skippedSet = new(StringComparer.Ordinal);

    public ClipSourceDataView(IClipSource source, int frames, int height, int width, int seed = 0, Action<long>? progress = null,
        bool skipBadItems = false, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _seed = seed;
        _progress = progress;
        _skipBadItems = skipBadItems;
        _cancel = cancel;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Origin", TextDataViewType.Instance);
        builder.AddColumn("Label", NumberDataViewType.Int32);
        builder.AddColumn("Pixels", new VectorDataViewType(NumberDataViewType.Single, 3, frames, height, width));
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => _skipBadItems ? null : _source.Count;

    /// <summary>Origins of the items left out as unreadable so far (with <c>skipBadItems</c>), each once, in the order met.</summary>
    public IReadOnlyList<string> Skipped
    {
        get { lock (_skipped) return _skipped.ToArray(); }
    }

    void Skip(string origin)
    {
        lock (_skipped)
            if (_skippedSet.Add(origin)) _skipped.Add(origin);
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    sealed class Cursor(ClipSourceDataView parent) : DataViewRowCursor
    {
        Clip? _clip;
        long _position = -1;
        int _next;
        readonly int _length = ((VectorDataViewType)parent.Schema["Pixels"].Type).Size;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext()
        {
            int count = parent._source.Count;
            while (_next < count)
            {
                parent._cancel.ThrowIfCancellationRequested();
                int i = _next++;
                Clip? clip = null;
                try { clip = parent._source.Read(i, DeterministicRandom.ForItem(parent._seed, 0, i)); }
                catch (BadItemException e) when (parent._skipBadItems) { parent.Skip(e.Origin); }
                if ((i + 1) % 256 == 0 || i + 1 == count) parent._progress?.Invoke(i + 1);
                if (clip is null) continue;
                _clip = clip;
                if (_clip.Length != _length)
                    throw new InvalidDataException($"{_clip.Origin}: a {_clip.Frames}x{_clip.Height}x{_clip.Width} clip where {parent.Schema["Pixels"].Type} was declared.");
                _position++;
                return true;
            }
            return false;
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
