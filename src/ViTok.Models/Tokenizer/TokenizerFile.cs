using TorchSharp;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// A tokenizer on disk: one safetensors file whose header metadata holds the full configuration
/// ("vitok.kind" = "tokenizer", "vitok.config" = JSON), so the file alone rebuilds its model.
/// </summary>
public static class TokenizerFile
{
    public const string KindKey = "vitok.kind", ConfigKey = "vitok.config", Kind = "tokenizer";

    public static void Save(ViTokAutoEncoder model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null) =>
        ModuleWeights.Save(model, path, Metadata(model, extraMetadata));

    /// <summary>The bytes <see cref="Save"/> writes, in memory.</summary>
    public static byte[] ToBytes(ViTokAutoEncoder model) => ModuleWeights.ToBytes(model, Metadata(model, null));

    static Dictionary<string, string> Metadata(ViTokAutoEncoder model, IReadOnlyDictionary<string, string>? extraMetadata) =>
        new(extraMetadata ?? new Dictionary<string, string>())
        {
            [KindKey] = Kind,
            [ConfigKey] = model.Config.ToJson(),
            ["format"] = "pt",
        };

    /// <summary>Reads only the configuration of a tokenizer file (its header).</summary>
    public static ViTokConfig ReadConfig(string path) => ReadConfig(SafeTensorsFile.Open(path));

    /// <summary>The configuration a tokenizer file's header holds.</summary>
    public static ViTokConfig ReadConfig(SafeTensorsFile file)
    {
        if (!file.Metadata.TryGetValue(KindKey, out var kind) || kind != Kind || !file.Metadata.TryGetValue(ConfigKey, out var json))
            throw new InvalidDataException($"'{file.Path}' is a safetensors file but not a ViTok tokenizer (no '{KindKey}: {Kind}' and '{ConfigKey}' metadata).");
        try { return ViTokConfig.FromJson(json); }
        catch (ArgumentException e) { throw new InvalidDataException($"'{file.Path}': {e.Message}", e); }
    }

    /// <summary>Builds the model the file describes and loads its weights (in eval mode, on <paramref name="device"/>).</summary>
    public static ViTokAutoEncoder Load(string path, Device? device = null) => Load(SafeTensorsFile.Open(path), device);

    /// <inheritdoc cref="Load(string, Device?)"/>
    public static ViTokAutoEncoder Load(SafeTensorsFile file, Device? device = null)
    {
        var config = ReadConfig(file);
        return ModuleWeights.LoadNew(() => new ViTokAutoEncoder(config), file, device);
    }
}
