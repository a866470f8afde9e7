using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;

namespace ViTok.MLNet.Generate;

/// <summary>
/// Class labels as the generator components read them. Training (<c>TrainGenerator</c>) takes a key column (class
/// names from its KeyValues annotation, else "0".."K-1") or a text column (distinct values in ordinal order).
/// Generation (<c>GenerateLatents</c>) takes a key column (mapped by its KeyValues names when present, else key k is
/// class k - 1), a text column (class names, case-insensitive) or an int/long column (0-based class index).
/// </summary>
static class ClassLabels
{
    public const string KeyValuesKind = "KeyValues";

    /// <summary>The names of a key column's values (its KeyValues annotation, as text), or null when it has none.</summary>
    public static string[]? KeyNames(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(KeyValuesKind) is not { Type: VectorDataViewType v }) return null;
        var read = typeof(ClassLabels).GetMethod(nameof(ReadKeyNames), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(v.ItemType.RawType);
        return (string[])read.Invoke(null, [column])!;
    }

    static string[] ReadKeyNames<T>(DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        column.Annotations.GetValue(KeyValuesKind, ref values);
        return values.DenseValues().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray();
    }

    /// <summary>"0 red, 1 green, 2 blue" (the first 50).</summary>
    public static string Describe(IReadOnlyList<string> classes) =>
        string.Join(", ", classes.Take(50).Select((n, i) => $"{i} {n}")) + (classes.Count > 50 ? $", ... ({classes.Count} classes)" : "");

    /// <summary>
    /// Checks a label column for generation and returns a factory of per-cursor readers (row position to class
    /// index). Throws naming the column and what was expected.
    /// </summary>
    public static Func<DataViewRow, Func<long, long>> ForGeneration(DataViewSchema schema, string column, IReadOnlyList<string> classes)
    {
        CheckGenerationLabel(ColumnShape.Find(schema, column, "Label"));
        var col = schema[column];
        string known = Describe(classes);
        switch (col.Type)
        {
            case KeyDataViewType key when key.RawType == typeof(uint):
            {
                var names = KeyNames(col);
                long[]? map = null;
                if (names is not null)
                {
                    var index = ByName(classes);
                    map = names.Select(n => index.TryGetValue(n, out int k) ? k
                        : throw new ArgumentException($"Column '{column}' is a key whose value '{n}' is not one of the generator's classes ({known}).")).Select(k => (long)k).ToArray();
                }
                return row =>
                {
                    var getter = row.GetGetter<uint>(row.Schema[column]);
                    uint value = 0;
                    return position =>
                    {
                        getter(ref value);
                        if (value == 0)
                            throw new InvalidDataException($"Column '{column}', row {position}: the label is missing (key 0); every row needs a class.");
                        if (map is not null)
                            return value <= map.Length ? map[value - 1]
                                : throw new InvalidDataException($"Column '{column}', row {position}: key {value} is outside the key's {map.Length} values.");
                        return value <= classes.Count ? value - 1
                            : throw new InvalidDataException($"Column '{column}', row {position}: key {value} (class {value - 1}; the key has no names) is outside 0..{classes.Count - 1}; the generator's classes are {known}.");
                    };
                };
            }
            case TextDataViewType:
            {
                var index = ByName(classes);
                return row =>
                {
                    var getter = row.GetGetter<ReadOnlyMemory<char>>(row.Schema[column]);
                    ReadOnlyMemory<char> value = default;
                    return position =>
                    {
                        getter(ref value);
                        string name = value.ToString();
                        return index.TryGetValue(name, out int k) ? k
                            : throw new InvalidDataException($"Column '{column}', row {position}: class '{name}' is not known; the generator's classes are {known}.");
                    };
                };
            }
            case NumberDataViewType n when n.RawType == typeof(int) || n.RawType == typeof(long):
            {
                bool isInt = n.RawType == typeof(int);
                return row =>
                {
                    Func<long> read;
                    if (isInt)
                    {
                        var getter = row.GetGetter<int>(row.Schema[column]);
                        int value = 0;
                        read = () => { getter(ref value); return value; };
                    }
                    else
                    {
                        var getter = row.GetGetter<long>(row.Schema[column]);
                        long value = 0;
                        read = () => { getter(ref value); return value; };
                    }
                    return position =>
                    {
                        long k = read();
                        return k >= 0 && k < classes.Count ? k
                            : throw new InvalidDataException($"Column '{column}', row {position}: class index {k} is outside 0..{classes.Count - 1}; the generator's classes are {known}.");
                    };
                };
            }
            default:
                throw new InvalidOperationException($"Column '{column}' of type {col.Type} passed the label check but has no reader.");   // CheckGenerationLabel admits only the cases above
        }
    }

    /// <summary>The one check of a generation label column's type, for the estimator's schema and the transformer's.</summary>
    public static void CheckGenerationLabel(ColumnShape label)
    {
        bool ok = label.IsScalar && (label.IsKey ? label.RawType == typeof(uint)
            : label.ItemType is TextDataViewType || label.RawType == typeof(int) || label.RawType == typeof(long));
        if (!ok)
            throw new ArgumentException($"Column '{label.Name}' has type {label.Describe()}; " +
                "the generator expects a class label: a key (U4), text (a class name) or an int/long class index (0-based).");
    }

    /// <summary>The one check of a seed column's type, for the estimator's schema and the transformer's.</summary>
    public static void CheckSeed(ColumnShape seed)
    {
        if (!seed.IsScalar || seed.IsKey || (seed.RawType != typeof(long) && seed.RawType != typeof(int)))
            throw new ArgumentException($"Column '{seed.Name}' has type {seed.Describe()}; the seed column must be a long (Int64) or an int (Int32).");
    }

    /// <summary>Case-insensitive class name to index (the first of names that differ only by case).</summary>
    public static Dictionary<string, int> ByName(IReadOnlyList<string> classes)
    {
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < classes.Count; i++) index.TryAdd(classes[i], i);
        return index;
    }

    /// <summary>
    /// Checks a seed column (int or long) and returns a factory of per-cursor readers; with no column, row seeds
    /// are RowNoise.RowSeed(<paramref name="seed"/>, row position).
    /// </summary>
    public static Func<DataViewRow, Func<long, long>> Seeds(DataViewSchema schema, string? column, long seed)
    {
        if (column is null) return _ => position => Models.Generation.RowNoise.RowSeed(seed, position);
        CheckSeed(ColumnShape.Find(schema, column, "Seed"));
        if (schema[column].Type.RawType == typeof(int))
            return row =>
            {
                var getter = row.GetGetter<int>(row.Schema[column]);
                int value = 0;
                return _ => { getter(ref value); return value; };
            };
        return row =>
        {
            var getter = row.GetGetter<long>(row.Schema[column]);
            long value = 0;
            return _ => { getter(ref value); return value; };
        };
    }
}
