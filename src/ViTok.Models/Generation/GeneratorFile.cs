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
    public static LatentGenerator Load(string path, Device? device = null) => Load(SafeTensorsFile.Open(path), device);

    /// <inheritdoc cref="Load(string, Device?)"/>
    public static LatentGenerator Load(SafeTensorsFile file, Device? device = null)
    {
        var header = ReadHeader(file);
        var model = ModuleWeights.LoadNew(() => new DiT(header.Config), file, device, TimestepEmbedder.LegacyCopies);
        try { return new LatentGenerator(model, header.Normalization, header.ClassNames, header.Tokenizer); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>What a generator file's header says (no weights read): throws naming the file when it is not a generator or its metadata is damaged.</summary>
    public static GeneratorHeader ReadHeader(string path) => ReadHeader(SafeTensorsFile.Open(path));

    /// <inheritdoc cref="ReadHeader(string)"/>
    public static GeneratorHeader ReadHeader(SafeTensorsFile file)
    {
        string path = file.Path;
        if (!file.Metadata.TryGetValue(TokenizerFile.KindKey, out var kind) || kind != Kind)
            throw new InvalidDataException($"'{path}' is not a ViTok generator (no '{TokenizerFile.KindKey}: {Kind}' metadata)" +
                (kind is null ? "." : $"; it is a {kind} file."));
        try
        {
            return new GeneratorHeader(
                DiTConfig.FromJson(file.Metadata[ConfigKey]),
                LatentNormalization.FromJson(file.Metadata[NormalizationKey]),
                JsonSerializer.Deserialize<string[]>(file.Metadata[ClassesKey]) ?? [],
                ViTokConfig.FromJson(file.Metadata[TokenizerKey]));
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"Generator '{path}' has damaged metadata: {e.Message}", e);
        }
    }
}
