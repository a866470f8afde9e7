using Microsoft.ML;

namespace ViTok.MLNet.Persistence;

/// <summary>A ViTok transformer as persistence sees it: a manifest and model file bytes (tokenizer or generator), written beside a twin.</summary>
interface IViTokComponent : ICanSaveModel
{
    ComponentManifest Manifest { get; }
    byte[] WeightBytes { get; }
}

static class ViTokComponentSaver
{
    public const string ManifestEntry = "ViTok.json", WeightsEntry = "ViTok.safetensors";

    /// <summary>Saves the twin, then the manifest and the weights into the twin's folder of the model zip.</summary>
    public static void Save(ModelSaveContext ctx, IViTokComponent component)
    {
        ((ICanSaveModel)ViTokTwin.Create()).Save(ctx);
        MLNetInternals.WriteEntry(ctx, ManifestEntry, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            w.Write(component.Manifest.ToJson());
        });
        MLNetInternals.WriteEntry(ctx, WeightsEntry, s => s.Write(component.WeightBytes));
    }
}
