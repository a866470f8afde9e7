namespace ViTok.Models.Metrics;

/// <summary>
/// Which class a folder of images stands for: a folder named by the class index ("0", "7") or by the class name,
/// compared on letters and digits only, ignoring case, so that names a file system cannot hold still match
/// ("T-shirt/top" is matched by "T-shirt_top", "tshirt-top", ...; "Ankle boot" by "ankle_boot").
/// </summary>
public static class ClassFolders
{
    /// <summary>The class index <paramref name="folder"/> names, or null when it names none.</summary>
    public static int? Resolve(string folder, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(classNames);
        if (int.TryParse(folder, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index)
            && index < classNames.Count)
            return index;
        for (int i = 0; i < classNames.Count; i++)
            if (string.Equals(classNames[i], folder, StringComparison.Ordinal)) return i;
        string key = Key(folder);
        if (key.Length == 0) return null;
        for (int i = 0; i < classNames.Count; i++)
            if (Key(classNames[i]) == key) return i;
        return null;
    }

    /// <summary>A folder name for class <paramref name="label"/>: its name with characters other than letters, digits, '-' and '_' replaced by '_'.</summary>
    public static string FolderName(int label, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfNegative(label);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, classNames.Count);
        return new string(classNames[label].Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
    }

    static string Key(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}
