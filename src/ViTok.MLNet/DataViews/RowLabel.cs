using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.DataViews;

/// <summary>
/// Names an input row in error messages: its position, plus the values of the row's text columns (for an image
/// loaded by LoadImages, the file path column), so an error about an upstream image says which file it was.
/// </summary>
sealed class RowLabel
{
    const int MaxValueLength = 200;
    readonly List<(string Name, ValueGetter<ReadOnlyMemory<char>> Get)> _texts = [];

    public RowLabel(DataViewRow row)
    {
        foreach (var column in TextColumns(row.Schema))
            if (row.IsColumnActive(column)) _texts.Add((column.Name, row.GetGetter<ReadOnlyMemory<char>>(column)));
    }

    /// <summary>The scalar text columns of <paramref name="schema"/>: a cursor that may need to describe a row asks for them too.</summary>
    public static IEnumerable<DataViewSchema.Column> TextColumns(DataViewSchema schema) =>
        schema.Where(c => !c.IsHidden && c.Type is TextDataViewType);

    /// <summary>"row 3 (Path 'a/parrot.ppm', Label 'bird')" for the current row at <paramref name="position"/>.</summary>
    public string Describe(long position)
    {
        var values = new List<string>();
        foreach (var (name, get) in _texts)
        {
            ReadOnlyMemory<char> value = default;
            try { get(ref value); }
            catch (Exception) { continue; }   // only describing a row that already failed: a text column that cannot be read is left out
            string text = value.Length > MaxValueLength ? value[..MaxValueLength] + "..." : value.ToString();
            values.Add($"{name} '{text}'");
        }
        return values.Count == 0 ? $"row {position}" : $"row {position} ({string.Join(", ", values)})";
    }
}
