using System.Text;
using ParquetSharp;

namespace ViTok.Models.Clips;

/// <summary>One listed file: its path as written, the full path it resolves to, and its class name when the list has a label column.</summary>
public sealed record ListedPath(string Listed, string FullPath, string? Label);

/// <summary>
/// Reads a list of file paths: a text file (one path per line, blank lines ignored), a CSV file with a header row
/// (the column named <c>column</c>), or a Parquet file (a text column). Relative paths are relative to the list
/// file's folder. An empty or repeated path is an error naming the file, the line or row, and the column.
/// </summary>
public static class PathList
{
    /// <summary>The column read from CSV and Parquet lists when none is named.</summary>
    public const string DefaultColumn = "path";

    /// <summary>Reads <paramref name="listFile"/>; <paramref name="labelColumn"/> (CSV and Parquet only) names a column of class names.</summary>
    public static IReadOnlyList<ListedPath> Read(string listFile, string column = DefaultColumn, string? labelColumn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(listFile);
        string full = Path.GetFullPath(listFile);
        if (!File.Exists(full)) throw new FileNotFoundException($"Path list '{full}' does not exist.", full);
        string folder = Path.GetDirectoryName(full)!;
        string extension = Path.GetExtension(full).ToLowerInvariant();
        if (labelColumn is not null && extension is not (".csv" or ".parquet"))
            throw new ArgumentException($"Path list '{full}': a label column needs a .csv or .parquet list (a text list holds paths only).");
        var rows = extension switch
        {
            ".csv" => Csv(full, column, labelColumn),
            ".parquet" => Parquet(full, column, labelColumn),
            _ => Text(full),
        };
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<ListedPath>(rows.Count);
        foreach (var (where, path, label) in rows)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new InvalidDataException($"Path list '{full}', {where}: the path is empty.");
            string resolved = Path.GetFullPath(path, folder);
            if (!seen.TryAdd(resolved, where)) throw new InvalidDataException($"Path list '{full}', {where}: '{path}' is {resolved}, listed already at {seen[resolved]}; each file may be listed once.");
            if (labelColumn is not null && string.IsNullOrWhiteSpace(label)) throw new InvalidDataException($"Path list '{full}', {where}: the label (column '{labelColumn}') is empty.");
            result.Add(new ListedPath(path, resolved, label));
        }
        if (result.Count == 0) throw new InvalidDataException($"Path list '{full}' lists no file.");
        return result;
    }

    static List<(string Where, string Path, string? Label)> Text(string file)
    {
        var rows = new List<(string, string, string?)>();
        int line = 0;
        foreach (string text in File.ReadLines(file))
        {
            line++;
            string path = text.Trim();
            if (path.Length > 0) rows.Add(($"line {line}", path, null));
        }
        return rows;
    }

    static List<(string Where, string Path, string? Label)> Csv(string file, string column, string? labelColumn)
    {
        var rows = new List<(string, string, string?)>();
        int line = 0, at = -1, labelAt = -1;
        foreach (string text in File.ReadLines(file))
        {
            line++;
            if (text.Trim().Length == 0) continue;
            var fields = CsvFields(text, file, line);
            if (at < 0)
            {
                at = Column(fields, column, file, "header (line " + line + ")");
                if (labelColumn is not null) labelAt = Column(fields, labelColumn, file, "header (line " + line + ")");
                continue;
            }
            int needed = Math.Max(at, labelAt) + 1;
            if (fields.Count < needed) throw new InvalidDataException($"Path list '{file}', line {line}: {fields.Count} field(s) where the header has column '{(fields.Count <= at ? column : labelColumn)}' at position {needed}.");
            rows.Add(($"line {line}", fields[at].Trim(), labelAt >= 0 ? fields[labelAt].Trim() : null));
        }
        if (at < 0) throw new InvalidDataException($"Path list '{file}' is empty; a CSV list needs a header row naming column '{column}'.");
        return rows;
    }

    static int Column(List<string> header, string name, string file, string where)
    {
        int at = header.FindIndex(h => string.Equals(h.Trim(), name, StringComparison.Ordinal));
        if (at < 0) throw new InvalidDataException($"Path list '{file}', {where}: no column '{name}' (columns: {string.Join(", ", header.Select(h => h.Trim()))}).");
        return at;
    }

    /// <summary>The fields of one CSV line (RFC 4180 quoting: "a, b" and "" for a quote); a field may not span lines.</summary>
    static List<string> CsvFields(string line, string file, int number)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        if (quoted) throw new InvalidDataException($"Path list '{file}', line {number}: a quoted field is not closed (fields may not span lines).");
        fields.Add(field.ToString());
        return fields;
    }

    static List<(string Where, string Path, string? Label)> Parquet(string file, string column, string? labelColumn)
    {
        using var reader = new ParquetFileReader(file);
        var schema = reader.FileMetaData.Schema;
        int at = ParquetColumn(schema, column, file);
        int labelAt = labelColumn is null ? -1 : ParquetColumn(schema, labelColumn, file);
        var rows = new List<(string, string, string?)>();
        long row = 0;
        for (int g = 0; g < reader.FileMetaData.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            long n = group.MetaData.NumRows;
            string?[] paths = ReadText(group, at, n, file, column);
            string?[] labels = labelAt >= 0 ? ReadText(group, labelAt, n, file, labelColumn!) : new string?[n];
            for (long i = 0; i < n; i++, row++)
            {
                if (paths[i] is null) throw new InvalidDataException($"Path list '{file}', row {row}: column '{column}' is null.");
                rows.Add(($"row {row}", paths[i]!.Trim(), labels[i]?.Trim()));
            }
        }
        return rows;
    }

    static int ParquetColumn(SchemaDescriptor schema, string name, string file)
    {
        for (int i = 0; i < schema.NumColumns; i++)
            if (schema.Column(i).Path.ToDotString() == name) return i;
        var names = Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Path.ToDotString());
        throw new InvalidDataException($"Path list '{file}': no column '{name}' (columns: {string.Join(", ", names)}).");
    }

    static string?[] ReadText(RowGroupReader group, int column, long rows, string file, string name)
    {
        using var columnReader = group.Column(column);
        if (columnReader.ColumnDescriptor.PhysicalType != PhysicalType.ByteArray)
            throw new InvalidDataException($"Path list '{file}': column '{name}' holds {columnReader.ColumnDescriptor.PhysicalType}, not text.");
        using var logical = columnReader.LogicalReader<string?>();
        return logical.ReadAll(checked((int)rows));
    }
}
