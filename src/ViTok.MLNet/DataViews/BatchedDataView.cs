using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.DataViews;

/// <summary>
/// The lazy result of a batched transform: the input's columns plus one computed column. A cursor reads B input
/// rows ahead (pass-through columns are buffered), runs one forward pass for them, and serves them one by one;
/// nothing is computed when the output column is not requested. Every cursor owns its buffers, so parallel
/// cursors are safe.
/// </summary>
sealed class BatchedDataView : IDataView
{
    readonly IDataView _source;
    readonly BatchedMapping _mapping;
    readonly BatchRunStarter _start;

    public BatchedDataView(IDataView source, BatchedMapping mapping)
    {
        _start = mapping.Bind(source.Schema);
        _source = source;
        _mapping = mapping;
        Schema = OutputSchema(source.Schema, mapping);
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => _source.CanShuffle;
    public long? GetRowCount() => _source.GetRowCount();

    public static DataViewSchema OutputSchema(DataViewSchema input, BatchedMapping mapping)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(mapping.OutputColumn, mapping.OutputType);
        foreach (var (name, type) in mapping.ExtraOutputs) builder.AddColumn(name, type);
        return builder.ToSchema();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        int firstOutput = _source.Schema.Count;                                  // the outputs follow the input's columns
        bool computeOutput = needed.Any(i => i >= firstOutput);
        var inputNeeded = new HashSet<int>();
        foreach (int i in needed)
        {
            if (i >= firstOutput) continue;
            // A shadowed input column (same name as the output) is hidden; Schema index i maps to input index i.
            if (i < _source.Schema.Count) inputNeeded.Add(i);
        }
        if (computeOutput)
        {
            foreach (var name in _mapping.InputColumns) inputNeeded.Add(_source.Schema[name].Index);
            // Text columns (a file path, typically) let an error about a row name it (RowLabel).
            foreach (var column in RowLabel.TextColumns(_source.Schema)) inputNeeded.Add(column.Index);
        }
        var input = _source.GetRowCursor(_source.Schema.Where(c => inputNeeded.Contains(c.Index)), rand);
        return new Cursor(this, input, needed.Where(i => i < firstOutput).ToArray(), computeOutput);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    sealed class Cursor : DataViewRowCursor
    {
        readonly BatchedDataView _parent;
        readonly DataViewRowCursor _input;
        readonly OncePerRowImages _shared;
        readonly Dictionary<int, ColumnBuffer> _passThrough = new();
        readonly ColumnBuffer _ids;
        readonly IBatchRun? _run;
        readonly int _slots;
        int _slot = -1, _filled;
        long _position = -1;

        public Cursor(BatchedDataView parent, DataViewRowCursor input, int[] passThrough, bool computeOutput)
        {
            _parent = parent;
            _input = input;
            _slots = Math.Max(1, parent._mapping.BatchSize);
            // The pass-through buffers and the model read an image column through one fetch per row.
            _shared = new OncePerRowImages(input);
            foreach (int i in passThrough) _passThrough[i] = ColumnBuffer.Create(_shared, input.Schema[i], _slots);
            _ids = new IdBuffer(input.GetIdGetter(), _slots);
            _run = computeOutput ? parent._start(_shared, _slots) : null;
        }

        public override DataViewSchema Schema => _parent.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        int FirstOutput => _parent._source.Schema.Count;

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index >= FirstOutput ? _run is not null : _passThrough.ContainsKey(column.Index);

        public override bool MoveNext()
        {
            if (_slot + 1 < _filled)
            {
                _slot++;
                _position++;
                return true;
            }
            _filled = 0;
            _slot = -1;
            while (_filled < _slots && _input.MoveNext())
            {
                foreach (var buffer in _passThrough.Values) buffer.Capture(_filled);
                _ids.Capture(_filled);
                _run?.Capture(_filled, _input.Position);
                _filled++;
            }
            if (_filled == 0) return false;
            _run?.Compute(_filled);
            _slot = 0;
            _position++;
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index >= FirstOutput)
            {
                if (_run is null) throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
                int k = column.Index - FirstOutput;
                return (ValueGetter<TValue>)(k == 0 ? _run.OutputGetter(() => _slot) : _run.ExtraOutputGetter(k - 1, () => _slot));
            }
            if (!_passThrough.TryGetValue(column.Index, out var buffer))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            return (ValueGetter<TValue>)buffer.Getter(() => _slot);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ValueGetter<DataViewRowId>)_ids.Getter(() => _slot);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _run?.Dispose();
                foreach (var buffer in _passThrough.Values) buffer.Dispose();
                _shared.Dispose();
                _input.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    sealed class IdBuffer(ValueGetter<DataViewRowId> source, int slots) : ColumnBuffer
    {
        readonly DataViewRowId[] _ids = new DataViewRowId[slots];
        public override void Capture(int slot) => source(ref _ids[slot]);
        public override Delegate Getter(Func<int> slot) => (ValueGetter<DataViewRowId>)((ref DataViewRowId dst) => dst = _ids[slot()]);
    }
}
