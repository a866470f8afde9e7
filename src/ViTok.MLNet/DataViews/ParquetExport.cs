using Microsoft.ML;
using Microsoft.ML.Data;
using ParquetSharp;
using ViTok.Models.Runtime;

namespace ViTok.MLNet;

/// <summary>
/// Writes an IDataView to a Parquet file, streaming, in row groups: text, int, float and double scalars, and float
/// vectors as Parquet LIST&lt;float&gt; columns whose dimensions are stored in the file's key-value metadata
/// ("vitok.shape.&lt;column&gt;" = "16,8"), so other engines (pandas, Spark, DuckDB) read the latents directly.
/// The file is written under a temporary name and renamed when complete (<see cref="AtomicFile"/>): a failure or
/// cancellation leaves no temporary file and any file already at the path unchanged.
/// </summary>
public static class ParquetExport
{
    public static long Write(IDataView view, string path, int rowGroupSize = 4096, CancellationToken cancel = default)
    {
        var columns = view.Schema.Where(c => !c.IsHidden).ToList();
        var writers = columns.Select(c => Buffer(c)).ToList();
        var metadata = new Dictionary<string, string>();
        foreach (var c in columns)
            if (c.Type is VectorDataViewType v) metadata[$"vitok.shape.{c.Name}"] = string.Join(",", v.Dimensions.ToArray());

        long rows = 0;
        AtomicFile.WriteVia(path, temp =>
        {
            using var file = new ParquetFileWriter(temp, writers.Select(w => w.Column).ToArray(), Compression.Snappy, metadata);
            using var cursor = view.GetRowCursor(columns);
            foreach (var w in writers) w.Bind(cursor);
            int inGroup = 0;
            while (cursor.MoveNext())
            {
                foreach (var w in writers) w.Read();
                rows++;
                if (++inGroup == rowGroupSize)
                {
                    Flush(file, writers);
                    inGroup = 0;
                }
            }
            if (inGroup > 0 || rows == 0) Flush(file, writers);
            file.Close();
        }, cancel);
        return rows;
    }

    static void Flush(ParquetFileWriter file, List<IColumnBuffer> writers)
    {
        using var group = file.AppendRowGroup();
        foreach (var w in writers) w.Flush(group);
    }

    static IColumnBuffer Buffer(DataViewSchema.Column c) => c.Type switch
    {
        VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(float) => new VectorBuffer(c),
        _ when c.Type.RawType == typeof(ReadOnlyMemory<char>) => new Scalar<ReadOnlyMemory<char>, string>(c, v => v.ToString()),
        _ when c.Type.RawType == typeof(int) => new Scalar<int, int>(c, v => v),
        _ when c.Type.RawType == typeof(float) => new Scalar<float, float>(c, v => v),
        _ when c.Type.RawType == typeof(double) => new Scalar<double, double>(c, v => v),
        _ when c.Type.RawType == typeof(long) => new Scalar<long, long>(c, v => v),
        _ => throw new ArgumentException($"Column '{c.Name}' has type {c.Type}, which the Parquet export does not write; select text, numeric or float-vector columns."),
    };

    interface IColumnBuffer
    {
        Column Column { get; }
        void Bind(DataViewRowCursor cursor);
        void Read();
        void Flush(RowGroupWriter group);
    }

    sealed class Scalar<TIn, TOut>(DataViewSchema.Column column, Func<TIn, TOut> convert) : IColumnBuffer
    {
        readonly List<TOut> _values = [];
        ValueGetter<TIn>? _getter;
        TIn _value = default!;

        public Column Column { get; } = new Column<TOut>(column.Name);
        public void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<TIn>(column);
        public void Read() { _getter!(ref _value); _values.Add(convert(_value)); }

        public void Flush(RowGroupWriter group)
        {
            using var writer = group.NextColumn().LogicalWriter<TOut>();
            writer.WriteBatch(_values.ToArray());
            _values.Clear();
        }
    }

    sealed class VectorBuffer(DataViewSchema.Column column) : IColumnBuffer
    {
        readonly List<float[]> _values = [];
        ValueGetter<VBuffer<float>>? _getter;
        VBuffer<float> _value;

        public Column Column { get; } = new Column<float[]>(column.Name);
        public void Bind(DataViewRowCursor cursor) => _getter = cursor.GetGetter<VBuffer<float>>(column);
        public void Read() { _getter!(ref _value); _values.Add(_value.DenseValues().ToArray()); }

        public void Flush(RowGroupWriter group)
        {
            using var writer = group.NextColumn().LogicalWriter<float[]>();
            writer.WriteBatch(_values.ToArray());
            _values.Clear();
        }
    }
}
