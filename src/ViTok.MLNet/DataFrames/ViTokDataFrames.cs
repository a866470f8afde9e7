using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataFrames;

namespace ViTok.MLNet;

/// <summary>
/// Latent and metric tables between ML.NET and Microsoft.Data.Analysis: every row (unlike IDataView.ToDataFrame's
/// default of 100), vector columns with their dimensions kept, and back to an IDataView that declares them again.
/// </summary>
public static class ViTokDataFrames
{
    /// <summary>
    /// Reads all rows of the named columns (all columns that a DataFrame can hold when none are named) into a DataFrame.
    /// Scalars (float, double, int, long, uint, bool, text) and float vectors are supported; any other column named
    /// raises an exception naming it (images, for instance, stay in ML.NET).
    /// </summary>
    public static ShapedDataFrame ToShapedDataFrame(this IDataView view, params string[] columns)
    {
        var selected = columns.Length > 0
            ? columns.Select(c => view.Schema.GetColumnOrNull(c) ?? throw new ArgumentOutOfRangeException(nameof(columns), $"Column '{c}' was not found.")).ToList()
            : view.Schema.Where(c => !c.IsHidden && Supported(c.Type)).ToList();
        foreach (var c in selected)
            if (!Supported(c.Type))
                throw new ArgumentException($"Column '{c.Name}' has type {c.Type}, which a DataFrame cannot hold; select numeric, text or float-vector columns.");

        var readers = new List<IColumnReader>();
        using (var cursor = view.GetRowCursor(selected))
        {
            readers.AddRange(selected.Select(c => Reader(cursor, c)));
            while (cursor.MoveNext())
                foreach (var r in readers) r.Read();
        }
        var shapes = new Dictionary<string, int[]>();
        foreach (var c in selected)
            if (c.Type is VectorDataViewType v) shapes[c.Name] = v.Dimensions.ToArray();
        return new ShapedDataFrame(new DataFrame(readers.Select(r => r.ToColumn())), shapes);
    }

    /// <summary>An IDataView over the table whose vector columns declare their dimensions again.</summary>
    public static IDataView ToDataView(this ShapedDataFrame table) => new ShapedDataView(table);

    static bool Supported(DataViewType type) => type switch
    {
        VectorDataViewType v => v.ItemType.RawType == typeof(float) && v.IsKnownSize,
        KeyDataViewType => true,
        _ => type.RawType == typeof(float) || type.RawType == typeof(double) || type.RawType == typeof(int) || type.RawType == typeof(long)
             || type.RawType == typeof(uint) || type.RawType == typeof(bool) || type.RawType == typeof(ReadOnlyMemory<char>),
    };

    interface IColumnReader
    {
        void Read();
        DataFrameColumn ToColumn();
    }

    static IColumnReader Reader(DataViewRowCursor cursor, DataViewSchema.Column column) => column.Type switch
    {
        VectorDataViewType => new VectorReader(column.Name, cursor.GetGetter<VBuffer<float>>(column)),
        _ when column.Type.RawType == typeof(ReadOnlyMemory<char>) => new TextReader(column.Name, cursor.GetGetter<ReadOnlyMemory<char>>(column)),
        _ when column.Type.RawType == typeof(float) => new ScalarReader<float>(column.Name, cursor.GetGetter<float>(column)),
        _ when column.Type.RawType == typeof(double) => new ScalarReader<double>(column.Name, cursor.GetGetter<double>(column)),
        _ when column.Type.RawType == typeof(int) => new ScalarReader<int>(column.Name, cursor.GetGetter<int>(column)),
        _ when column.Type.RawType == typeof(long) => new ScalarReader<long>(column.Name, cursor.GetGetter<long>(column)),
        _ when column.Type.RawType == typeof(uint) => new ScalarReader<uint>(column.Name, cursor.GetGetter<uint>(column)),
        _ => new ScalarReader<bool>(column.Name, cursor.GetGetter<bool>(column)),
    };

    sealed class ScalarReader<T>(string name, ValueGetter<T> getter) : IColumnReader where T : unmanaged
    {
        readonly List<T> _values = [];
        T _value;
        public void Read() { getter(ref _value); _values.Add(_value); }
        public DataFrameColumn ToColumn() => new PrimitiveDataFrameColumn<T>(name, _values);
    }

    sealed class TextReader(string name, ValueGetter<ReadOnlyMemory<char>> getter) : IColumnReader
    {
        readonly List<string> _values = [];
        ReadOnlyMemory<char> _value;
        public void Read() { getter(ref _value); _values.Add(_value.ToString()); }
        public DataFrameColumn ToColumn() => new StringDataFrameColumn(name, _values);
    }

    sealed class VectorReader(string name, ValueGetter<VBuffer<float>> getter) : IColumnReader
    {
        readonly List<VBuffer<float>> _values = [];
        VBuffer<float> _value;

        public void Read()
        {
            getter(ref _value);
            var copy = default(VBuffer<float>);
            _value.CopyTo(ref copy);      // the getter reuses its buffer; each row keeps its own
            _values.Add(copy);
        }

        public DataFrameColumn ToColumn()
        {
            var column = new VBufferDataFrameColumn<float>(name, _values.Count);
            for (int i = 0; i < _values.Count; i++) column[i] = _values[i];
            return column;
        }
    }
}
