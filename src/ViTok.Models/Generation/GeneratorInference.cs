using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// Batched sampling over plain arrays, for hosts that do not speak torch (ML.NET cursors): labels and seeds in,
/// latents written into the host's <see cref="BatchBuffer"/> in one copy (converted to float32 on the way). Each
/// row's latent depends only on its label and seed (<see cref="LatentGenerator.Sample"/>). All tensors live in a
/// dispose scope per call, under no_grad.
/// </summary>
public sealed class GeneratorInference(LatentGenerator generator) : IDisposable
{
    public LatentGenerator Generator { get; } = generator ?? throw new ArgumentNullException(nameof(generator));

    /// <summary>Floats per latent: tokens x c of the generator's tokenizer.</summary>
    public int LatentLength => Generator.Tokenizer.Tokens * Generator.Tokenizer.Channels;

    /// <summary>A buffer of <paramref name="capacity"/> latents for <see cref="Sample"/>.</summary>
    public BatchBuffer LatentBuffer(int capacity) => new(capacity, LatentLength);

    /// <summary>Samples one latent per row of <paramref name="labels"/> (class indices) with the noise seeds <paramref name="seeds"/> into items [0, labels.Length) of <paramref name="latents"/>.</summary>
    public void Sample(ReadOnlySpan<long> labels, IReadOnlyList<long> seeds, SamplingOptions options, BatchBuffer latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.ItemLength != LatentLength)
            throw new ArgumentException($"A buffer of {latents.ItemLength} floats per item; this generator's latents have {LatentLength}.", nameof(latents));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var y = tensor(labels.ToArray());
        latents.CopyFrom(Generator.Sample(y, options, seeds));
    }

    public void Dispose() => Generator.Dispose();
}
