using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ViTok.MLNet.Tests.Contract;

/// <summary>
/// Reads any column of a row as a plain value (arrays copied, images as their pixels) and compares two such values.
/// Model outputs may differ in the last bits between batch sizes (a matrix product's blocking), so floats compare
/// within a relative 1e-4 and image bytes within 1; a row mix-up differs by far more.
/// </summary>
static class RowValues
{
    /// <summary>Every column of every row, one input row at a time through the chain's row-to-row mapper.</summary>
    public static List<object?[]> RowAtATime(ITransformer model, IDataView input)
    {
        var mapper = model.GetRowToRowMapper(input.Schema);
        var all = mapper.OutputSchema.ToArray();
        var result = new List<object?[]>();
        using var cursor = input.GetRowCursor(mapper.GetDependencies(all));
        using var row = mapper.GetRow(cursor, all);
        var readers = all.Select(c => RowValues.Reader(row, c)).ToArray();
        while (cursor.MoveNext()) result.Add(readers.Select(r => r()).ToArray());
        return result;
    }

    public static List<object?[]> Read(IDataView view, DataViewSchema.Column[] columns)
    {
        using var cursor = view.GetRowCursor(columns);
        var readers = columns.Select(c => RowValues.Reader(cursor, c)).ToArray();
        var rows = new List<object?[]>();
        while (cursor.MoveNext()) rows.Add(readers.Select(r => r()).ToArray());
        return rows;
    }

    public static void AssertSame(List<object?[]> expected, List<object?[]> actual, DataViewSchema.Column[] columns, string what)
    {
        Assert.HasCount(expected.Count, actual, $"{what}: row count");
        for (int r = 0; r < expected.Count; r++)
            for (int k = 0; k < columns.Length; k++)
            {
                string? diff = RowValues.Difference(expected[r][columns[k].Index], actual[r][k]);
                if (diff is not null) Assert.Fail($"{what}: row {r}, column '{columns[k].Name}' (index {columns[k].Index}): {diff}");
            }
    }

    /// <summary>The SchemaShape an estimator chain gives the next estimator (ML.NET keeps its factory internal).</summary>
    public static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    /// <summary>A getter that returns a fresh copy of the column's value in the row's current position.</summary>
    public static Func<object?> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        var type = column.Type;
        if (type is ImageDataViewType)
        {
            var g = row.GetGetter<MLImage>(column);
            return () =>
            {
                MLImage image = null!;
                g(ref image);
                return image is null ? null : new ImageValue(image.Width, image.Height, image.Pixels.ToArray());
            };
        }
        if (type is VectorDataViewType v)
        {
            if (v.ItemType.RawType == typeof(float)) return Vector<float>(row, column);
            if (v.ItemType.RawType == typeof(byte)) return Vector<byte>(row, column);
            if (v.ItemType.RawType == typeof(int)) return Vector<int>(row, column);
            throw new NotSupportedException($"column '{column.Name}': {type}");
        }
        if (type is TextDataViewType)
        {
            var g = row.GetGetter<ReadOnlyMemory<char>>(column);
            return () => { ReadOnlyMemory<char> t = default; g(ref t); return t.ToString(); };
        }
        var method = typeof(RowValues).GetMethod(nameof(Scalar), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.RawType);
        return (Func<object?>)method.Invoke(null, [row, column])!;
    }

    static Func<object?> Scalar<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var g = row.GetGetter<T>(column);
        return () => { T value = default!; g(ref value); return value; };
    }

    static Func<object?> Vector<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var g = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;   // reused across rows, as ML.NET consumers do: a getter must not hand out shared arrays
        return () => { g(ref buffer); return buffer.DenseValues().ToArray(); };
    }

    /// <summary>Null when equal, else what differs.</summary>
    public static string? Difference(object? expected, object? actual)
    {
        switch (expected, actual)
        {
            case (float[] e, float[] a):
                if (e.Length != a.Length) return $"length {a.Length}, expected {e.Length}";
                for (int i = 0; i < e.Length; i++)
                    if (!Close(e[i], a[i])) return $"value {i}: {a[i]}, expected {e[i]}";
                return null;
            case (byte[] e, byte[] a):
                return e.SequenceEqual(a) ? null : "bytes differ";
            case (int[] e, int[] a):
                return e.SequenceEqual(a) ? null : "values differ";
            case (ImageValue e, ImageValue a):
                if (e.Width != a.Width || e.Height != a.Height) return $"image {a.Width}x{a.Height}, expected {e.Width}x{e.Height}";
                for (int i = 0; i < e.Pixels.Length; i++)
                    if (Math.Abs(e.Pixels[i] - a.Pixels[i]) > 1) return $"image byte {i}: {a.Pixels[i]}, expected {e.Pixels[i]}";
                return null;
            case (float e, float a):
                return Close(e, a) ? null : $"{a}, expected {e}";
            default:
                return Equals(expected, actual) ? null : $"{actual}, expected {expected}";
        }
    }

    static bool Close(float e, float a) => e == a || Math.Abs(e - a) <= 1e-4f * (1 + Math.Abs(e)) || (float.IsNaN(e) && float.IsNaN(a));

    public sealed record ImageValue(int Width, int Height, byte[] Pixels);
}
