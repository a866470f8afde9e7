using TorchSharp;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>
/// An image classifier on disk: one safetensors file whose header metadata holds the configuration with the class
/// names ("vitok.kind" = "image-classifier", "vitok.config" = JSON), so the file alone rebuilds its model. Written
/// atomically (<see cref="SafeTensorsFile.Write(string, IEnumerable{ValueTuple{string, TorchSharp.torch.Tensor}}, IReadOnlyDictionary{string, string}, TorchSharp.torch.ScalarType?)"/>); read all-or-nothing (<see cref="ModuleWeights.Load"/>).
/// </summary>
public static class ImageClassifierFile
{
    public const string KindKey = "vitok.kind", ConfigKey = "vitok.config", Kind = "image-classifier";

    /// <summary>Saves the weights (including batch-norm statistics) and the configuration; extra metadata is kept as given.</summary>
    public static void Save(ImageClassifier model, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [KindKey] = Kind,
            [ConfigKey] = model.Config.ToJson(),
            ["format"] = "pt",
        };
        ModuleWeights.Save(model, path, metadata);
    }

    /// <summary>Reads only the configuration (with the class names) of a classifier file.</summary>
    public static ImageClassifierConfig ReadConfig(string path) => ReadConfig(SafeTensorsFile.Open(path));

    /// <summary>The header metadata of a classifier file (training options, test accuracy, ...).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        var file = SafeTensorsFile.Open(path);
        ReadConfig(file);
        return file.Metadata;
    }

    static ImageClassifierConfig ReadConfig(SafeTensorsFile file)
    {
        if (!file.Metadata.TryGetValue(KindKey, out var kind) || kind != Kind || !file.Metadata.TryGetValue(ConfigKey, out var json))
            throw new InvalidDataException($"'{file.Path}' is a safetensors file but not a ViTok image classifier (no '{KindKey}: {Kind}' and '{ConfigKey}' metadata" +
                                           (kind is null ? ")." : $"; its kind is '{kind}')."));
        try { return ImageClassifierConfig.FromJson(json); }
        catch (ArgumentException e) { throw new InvalidDataException($"'{file.Path}': {e.Message}", e); }
    }

    /// <summary>
    /// Builds the model the file describes and loads its weights, in eval mode, on <paramref name="device"/> (CPU by
    /// default); its <see cref="ImageClassifier.Label"/> is the file name without extension.
    /// </summary>
    public static ImageClassifier Load(string path, Device? device = null)
    {
        var file = SafeTensorsFile.Open(path);
        var config = ReadConfig(file);
        return ModuleWeights.LoadNew(() => new ImageClassifier(config) { Label = Path.GetFileNameWithoutExtension(path) }, file, device);
    }
}
