using System.Text.Json;
using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// Per-channel standardisation of latents for diffusion (the role of Stable Diffusion's 0.18215 scale factor in DiT):
/// the generator works on (z - mean) / std, measured once over the training latents, and sampling maps back.
/// </summary>
public sealed record LatentNormalization(float[] Mean, float[] Std)
{
    public static LatentNormalization Identity(int channels) => new(new float[channels], Enumerable.Repeat(1f, channels).ToArray());

    /// <summary>Mean and standard deviation of each channel of latents [N, L, c].</summary>
    public static LatentNormalization Measure(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var flat = latents.reshape(-1, latents.shape[^1]).to(ScalarType.Float64);
        var mean = flat.mean([0]);
        using Scalar floor = 1e-6.ToScalar();
        var std = flat.std([0]).clamp_min(floor);
        return new LatentNormalization(mean.to(ScalarType.Float32).data<float>().ToArray(), std.to(ScalarType.Float32).data<float>().ToArray());
    }

    public int Channels => Mean.Length;

    /// <summary>(z - mean) / std for latents [..., c].</summary>
    public Tensor Normalize(Tensor z)
    {
        using var scope = NewDisposeScope();
        return ((z - tensor(Mean, device: z.device)) / tensor(Std, device: z.device)).MoveToOuterDisposeScope();
    }

    /// <summary>x std + mean for normalised latents [..., c].</summary>
    public Tensor Denormalize(Tensor x)
    {
        using var scope = NewDisposeScope();
        return ((x * tensor(Std, device: x.device)).Plus(tensor(Mean, device: x.device))).MoveToOuterDisposeScope();
    }

    public string ToJson() => JsonSerializer.Serialize(new { mean = Mean, std = Std });

    public static LatentNormalization FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        float[] Read(string name) => doc.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var n = new LatentNormalization(Read("mean"), Read("std"));
        if (n.Mean.Length != n.Std.Length || n.Std.Any(s => !(s > 0) || !float.IsFinite(s)) || n.Mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException("Latent normalization must have one finite mean and one positive std per channel.");
        return n;
    }
}
