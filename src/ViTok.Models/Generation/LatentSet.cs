using System.Globalization;
using System.Text.Json;
using TorchSharp;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// Labelled latents of one tokenizer, the generator's training data: latents [N, L, c] (posterior means) and labels
/// [N]. Computed once from a source by the tokenizer (the generator training recipe's EncodeLatents) and cached on disk
/// as one safetensors file (<see cref="Save"/> / <see cref="Load"/>), so training epochs never run the encoder again.
/// Held in memory.
/// </summary>
public sealed class LatentSet : IDisposable
{
    public const string Kind = "latents";

    /// <summary>[N, L, c] float32 on the CPU.</summary>
    public Tensor Latents { get; }
    /// <summary>[N] int64, each in [0, ClassNames.Count).</summary>
    public Tensor Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The configuration of the tokenizer that made the latents (the generator's token grid and channels).</summary>
    public ViTokConfig Tokenizer { get; }
    /// <summary>Where the latents came from (the source's description).</summary>
    public string Origin { get; }

    public int Count => (int)Latents.shape[0];

    public LatentSet(Tensor latents, Tensor labels, IReadOnlyList<string> classNames, ViTokConfig tokenizer, string origin)
    {
        if (latents.dim() != 3 || latents.shape[1] != tokenizer.Tokens || latents.shape[2] != tokenizer.Channels)
            throw new ArgumentException($"Latents of shape [{string.Join(", ", latents.shape)}] do not fit tokenizer {tokenizer.Variant}: expected [N, {tokenizer.Tokens}, {tokenizer.Channels}].");
        if (labels.dim() != 1 || labels.shape[0] != latents.shape[0])
            throw new ArgumentException($"{labels.shape[0]} labels for {latents.shape[0]} latents.");
        if (classNames.Count < 1) throw new ArgumentException($"Latents from {origin} have no class names: a class-conditional generator needs a labelled source.");
        if (latents.shape[0] < 1) throw new ArgumentException($"No latents from {origin}.");
        using (var finite = latents.isfinite().all(dim: 1).all(dim: 1).logical_not().nonzero())
            if (finite.shape[0] > 0)
                throw new ArgumentException($"Latent {finite[0, 0].item<long>()} from {origin} holds a NaN or infinite value.");
        using Scalar zero = 0.ToScalar(), classes = classNames.Count.ToScalar();
        using (var bad = labels.lt(zero).logical_or(labels.ge(classes)).nonzero())
            if (bad.shape[0] > 0)
                throw new ArgumentException($"Latent {bad[0, 0].item<long>()} from {origin} has label {labels[bad[0, 0]].item<long>()}, outside 0..{classNames.Count - 1}.");
        Latents = latents.to(ScalarType.Float32).contiguous().DetachFromDisposeScope();
        Labels = labels.to(ScalarType.Int64).contiguous().DetachFromDisposeScope();
        ClassNames = classNames;
        Tokenizer = tokenizer;
        Origin = origin;
    }

    /// <summary>Writes the set atomically as safetensors ("latents", "labels"; tokenizer config and class names in the metadata).</summary>
    public void Save(string path) =>
        SafeTensorsFile.Write(path, [("latents", Latents), ("labels", Labels)], new Dictionary<string, string>
        {
            [TokenizerFile.KindKey] = Kind,
            ["tokenizer.config"] = Tokenizer.ToJson(),
            ["classes"] = JsonSerializer.Serialize(ClassNames),
            ["origin"] = Origin,
            ["count"] = Count.ToString(CultureInfo.InvariantCulture),
        });

    public static LatentSet Load(string path)
    {
        var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(TokenizerFile.KindKey, out var kind) || kind != Kind)
            throw new InvalidDataException($"'{path}' is not a ViTok latent cache (no '{TokenizerFile.KindKey}: {Kind}' metadata).");
        try
        {
            var config = ViTokConfig.FromJson(file.Metadata["tokenizer.config"]);
            var classes = JsonSerializer.Deserialize<string[]>(file.Metadata["classes"]) ?? [];
            using var scope = NewDisposeScope();
            return new LatentSet(file.Read("latents"), file.Read("labels"), classes, config, file.Metadata.GetValueOrDefault("origin", path));
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or JsonException)
        {
            throw new InvalidDataException($"Latent cache '{path}' is damaged: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        Latents.Dispose();
        Labels.Dispose();
    }
}
