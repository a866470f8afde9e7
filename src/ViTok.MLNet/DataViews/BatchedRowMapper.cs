using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.DataViews;

/// <summary>
/// The row-at-a-time form of a <see cref="BatchedMapping"/> (batch of one), for PredictionEngine and other
/// row-to-row consumers. The output is computed once per input row, on first request.
/// </summary>
sealed class BatchedRowMapper : IRowToRowMapper
{
    readonly BatchedMapping _mapping;
    readonly BatchRunStarter _start;

    public BatchedRowMapper(DataViewSchema inputSchema, BatchedMapping mapping)
    {
        _start = mapping.Bind(inputSchema);
        _mapping = mapping;
        InputSchema = inputSchema;
        OutputSchema = BatchedDataView.OutputSchema(inputSchema, mapping);
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        int firstOutput = InputSchema.Count;
        var needed = new HashSet<int>();
        foreach (var c in dependingColumns)
        {
            if (c.Index >= firstOutput)
            {
                foreach (var name in _mapping.InputColumns) needed.Add(InputSchema[name].Index);
                foreach (var column in RowLabel.TextColumns(InputSchema)) needed.Add(column.Index);   // for error messages
            }
            else if (c.Index < InputSchema.Count) needed.Add(c.Index);
        }
        return InputSchema.Where(c => needed.Contains(c.Index));
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        bool computeOutput = activeColumns.Any(c => c.Index >= InputSchema.Count);
        // A pass-through image column and the model's input share one fetch per row (see OncePerRowImages).
        var shared = new OncePerRowImages(input);
        return new Row(this, shared, computeOutput ? _start(shared, 1) : null);
    }

    sealed class Row(BatchedRowMapper parent, DataViewRow input, IBatchRun? run) : DataViewRow
    {
        long _computedFor = -1;

        public override DataViewSchema Schema => parent.OutputSchema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        int FirstOutput => parent.InputSchema.Count;

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index >= FirstOutput ? run is not null : input.IsColumnActive(input.Schema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < FirstOutput) return input.GetGetter<TValue>(input.Schema[column.Index]);
            if (run is null) throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            int k = column.Index - FirstOutput;
            var inner = (ValueGetter<TValue>)(k == 0 ? run.OutputGetter(() => 0) : run.ExtraOutputGetter(k - 1, () => 0));
            return (ref TValue dst) =>
            {
                if (_computedFor != input.Position || input.Position < 0)
                {
                    run.Capture(0, input.Position);
                    run.Compute(1);
                    _computedFor = input.Position;
                }
                inner(ref dst);
            };
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                run?.Dispose();
                input.Dispose();   // the OncePerRowImages wrapper: its image copies (the input row itself stays its owner's)
            }
            base.Dispose(disposing);
        }
    }
}
