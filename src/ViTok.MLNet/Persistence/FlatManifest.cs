using System.Text.Json.Nodes;

namespace ViTok.MLNet.Persistence;

/// <summary>
/// Manifest formats 1 and 2 (zips written up to 2026-12-07): one flat record holding every component's fields, most
/// named as the options properties are. <see cref="Upgrade"/> reads one as the current <see cref="ComponentManifest"/>:
/// the fields whose names differ are renamed, the rest are read by name (a field the component's options do not have,
/// such as a tokenizer's "Sampler", is ignored), and "Device" is dropped as it always was.
/// </summary>
static class FlatManifest
{
    /// <summary>Flat field -> options property, per kind, for the names that differ.</summary>
    static readonly Dictionary<string, (string Flat, string Option)[]> Renamed = new()
    {
        [ComponentManifest.TokenizeKind] = [("OutputColumn", "OutputColumnName"), ("InputColumn", "InputColumnName")],
        [ComponentManifest.DecodeKind] = [("OutputColumn", "OutputColumnName"), ("InputColumn", "InputColumnName"), ("DecodeOutput", "Output")],
        [ComponentManifest.GenerateKind] = [("OutputColumn", "OutputColumnName"), ("InputColumn", "LabelColumnName"), ("SeedColumn", "SeedColumnName")],
    };

    /// <summary>Fields of the flat record that are not options.</summary>
    static readonly string[] NotOptions = ["FormatVersion", "Kind", "Format", "Device", "ImageHeight", "ImageWidth"];

    public static ComponentManifest Upgrade(JsonObject flat)
    {
        string kind = flat["Kind"]?.GetValue<string>() ?? throw new InvalidDataException("names no component kind.");
        if (!Renamed.TryGetValue(kind, out var renamed)) throw new InvalidDataException($"names an unknown ViTok component '{kind}'.");
        var options = new JsonObject();
        foreach (var (name, value) in flat)
            if (!NotOptions.Contains(name)) options[renamed.FirstOrDefault(r => r.Flat == name).Option ?? name] = value?.DeepClone();
        int height = flat["ImageHeight"]?.GetValue<int>() ?? 0, width = flat["ImageWidth"]?.GetValue<int>() ?? 0;
        return new ComponentManifest
        {
            FormatVersion = flat["FormatVersion"]?.GetValue<int>() ?? 1,
            Kind = kind,
            Format = flat["Format"]?.GetValue<string>(),
            Options = options,
            FixedSize = height > 0 ? [height, width] : null,
        };
    }
}
