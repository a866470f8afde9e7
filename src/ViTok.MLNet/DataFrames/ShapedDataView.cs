using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.DataFrames;

/// <summary>A DataFrame seen as an IDataView whose vector columns have their dimensions declared again.</summary>
sealed class ShapedDataView : IDataView
{
    readonly IDataView _inner;

    public ShapedDataView(ShapedDataFrame table)
    {
        _inner = table.Frame;
        var builder = new DataViewSchema.Builder();
        foreach (var column in _inner.Schema)
        {
            var type = column.Type;
            if (table.Shapes.TryGetValue(column.Name, out var dims))
            {
                if (type is not VectorDataViewType vector)
                    throw new ArgumentException($"Column '{column.Name}' has a shape but is not a vector column.");
                type = new VectorDataViewType((PrimitiveDataViewType)vector.ItemType, dims);
            }
            builder.AddColumn(column.Name, type);
        }
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => _inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, _inner.GetRowCursor(columnsNeeded.Select(c => _inner.Schema[c.Index]), rand));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    sealed class Cursor(ShapedDataView parent, DataViewRowCursor inner) : DataViewRowCursor
    {
        public override DataViewSchema Schema => parent.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool MoveNext() => inner.MoveNext();
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(inner.Schema[column.Index]);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(inner.Schema[column.Index]);

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
