using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.DataViews;

/// <summary>
/// A column's type as both of ML.NET's schema forms can state it, so that one validator per input kind serves an
/// estimator (<see cref="SchemaShape"/>: no vector sizes) and a transformer (<see cref="DataViewSchema"/>: sizes known).
/// <see cref="Size"/> is the vector length, 0 when it is unknown or variable; <see cref="Dimensions"/> its shape where a
/// <see cref="DataViewSchema"/> states one (ExtractPixels: [3, H, W]), else null.
/// </summary>
readonly record struct ColumnShape(string Name, DataViewType ItemType, SchemaShape.Column.VectorKind Kind, int Size, bool IsKey, int[]? Dimensions = null)
{
    public bool IsScalar => Kind == SchemaShape.Column.VectorKind.Scalar;
    public bool IsVector => !IsScalar;
    public Type RawType => ItemType.RawType;

    /// <summary>"Single (vector)" or "Key&lt;UInt32&gt;" for messages.</summary>
    public string Describe() => IsScalar ? $"{ItemType}" : Size > 0 ? $"Vector<{ItemType}, {Size}>" : $"Vector<{ItemType}>";

    public static ColumnShape Of(DataViewSchema.Column column) => column.Type switch
    {
        VectorDataViewType v => new(column.Name, v.ItemType, v.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector,
            v.IsKnownSize ? v.Size : 0, v.ItemType is KeyDataViewType, v.IsKnownSize ? v.Dimensions.ToArray() : null),
        var t => new(column.Name, t, SchemaShape.Column.VectorKind.Scalar, 0, t is KeyDataViewType),
    };

    public static ColumnShape Of(SchemaShape.Column column) => new(column.Name, column.ItemType, column.Kind, 0, column.IsKey);

    /// <summary>The column <paramref name="name"/> of <paramref name="schema"/>; throws naming it (as <paramref name="what"/> column) when absent.</summary>
    public static ColumnShape Find(DataViewSchema schema, string name, string what) =>
        Of(schema.GetColumnOrNull(name) ?? throw Missing(name, what));

    /// <inheritdoc cref="Find(DataViewSchema, string, string)"/>
    public static ColumnShape Find(SchemaShape schema, string name, string what)
    {
        foreach (var c in schema)
            if (c.Name == name) return Of(c);
        throw Missing(name, what);
    }

    static ArgumentOutOfRangeException Missing(string name, string what) =>
        new("schema", $"{what} column '{name}' was not found in the data.");
}
