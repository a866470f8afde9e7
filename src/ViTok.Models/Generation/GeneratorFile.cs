using System.Text.Json;
using TorchSharp;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// A generator on disk: one safetensors file with the DiT weights and, in its metadata, the DiT configuration, the
/// latent normalization, the class names and the tokenizer configuration ("vitok.kind" = "generator").
/// </summary>
public static class GeneratorFile
{
    public const string Kind = "generator";
    const string ConfigKey = "dit.config", NormalizationKey = "dit.normalization", ClassesKey = "dit.classes", TokenizerKey = "tokenizer.config";

    public static void Save(LatentGenerator generator, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [TokenizerFile.KindKey] = Kind,
            [ConfigKey] = generator.Config.ToJson(),
            [NormalizationKey] = generator.Normalization.ToJson(),
            [ClassesKey] = JsonSerializer.Serialize(generator.ClassNames),
            [TokenizerKey] = generator.Tokenizer.ToJson(),
            ["format"] = "pt",
        };
        ModuleWeights.Save(generator.Model, path, metadata);
    }

    /// <summary>Builds the generator the file describes and loads its weights (eval mode, on <paramref name="device"/>).</summary>
    public static LatentGenerator Load(string path, Device? device = null)
    {
        var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(TokenizerFile.KindKey, out var kind) || kind != Kind)
            throw new InvalidDataException($"'{path}' is not a ViTok generator (no '{TokenizerFile.KindKey}: {Kind}' metadata)" +
                (kind is null ? "." : $"; it is a {kind} file."));
        DiTConfig config;
        LatentNormalization normalization;
        string[] classes;
        ViTokConfig tokenizer;
        try
        {
            config = DiTConfig.FromJson(file.Metadata[ConfigKey]);
            normalization = LatentNormalization.FromJson(file.Metadata[NormalizationKey]);
            classes = JsonSerializer.Deserialize<string[]>(file.Metadata[ClassesKey]) ?? [];
            tokenizer = ViTokConfig.FromJson(file.Metadata[TokenizerKey]);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"Generator '{path}' has damaged metadata: {e.Message}", e);
        }
        var model = ModuleWeights.LoadNew(() => new DiT(config), file, device, TimestepEmbedder.LegacyCopies);
        try { return new LatentGenerator(model, normalization, classes, tokenizer); }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
