using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// A trained class-conditional generator ready to sample: the DiT, the latent normalization it was trained with,
/// the class names, and the configuration of the tokenizer whose latents it makes (which decodes them to pixels).
/// </summary>
public sealed class LatentGenerator : IDisposable
{
    public DiT Model { get; }
    public LatentNormalization Normalization { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public ViTokConfig Tokenizer { get; }
    public DiTConfig Config => Model.Config;

    public LatentGenerator(DiT model, LatentNormalization normalization, IReadOnlyList<string> classNames, ViTokConfig tokenizer)
    {
        if (normalization.Channels != model.Config.Channels)
            throw new ArgumentException($"The latent normalization has {normalization.Channels} channels, the generator {model.Config.Channels}.");
        if (classNames.Count != model.Config.Classes)
            throw new ArgumentException($"{classNames.Count} class names for a generator of {model.Config.Classes} classes.");
        if (tokenizer.Grid != model.Config.Grid || tokenizer.Channels != model.Config.Channels)
            throw new ArgumentException($"Tokenizer {tokenizer.Variant} makes {tokenizer.Tokens} tokens of {tokenizer.Channels} channels; the generator takes {model.Config.Tokens} of {model.Config.Channels}.");
        Model = model;
        Normalization = normalization;
        ClassNames = classNames;
        Tokenizer = tokenizer;
        Objective = DiffusionObjectives.Create(model.Config);
        Model.eval();
    }

    /// <summary>How the generator samples (its training objective: DDPM or flow matching).</summary>
    public IDiffusionObjective Objective { get; }

    /// <summary>The sampler a generator of this objective uses when none is given (<see cref="IDiffusionObjective.DefaultSampler"/>).</summary>
    public Sampler DefaultSampler => Objective.DefaultSampler;

    /// <summary>Class index of a name or a number ("3", "Dress"); throws naming the known classes otherwise.</summary>
    public int ClassIndex(string classNameOrIndex)
    {
        if (int.TryParse(classNameOrIndex, out int k))
            return k >= 0 && k < ClassNames.Count ? k
                : throw new ArgumentException($"Class {k} is outside 0..{ClassNames.Count - 1}.");
        for (int i = 0; i < ClassNames.Count; i++)
            if (string.Equals(ClassNames[i], classNameOrIndex, StringComparison.OrdinalIgnoreCase)) return i;
        throw new ArgumentException($"Class '{classNameOrIndex}' is not known; the generator's classes are {string.Join(", ", ClassNames.Select((n, i) => $"{i} {n}"))}.");
    }

    /// <summary>
    /// Latents [N, L, c] (in the tokenizer's scale, ready to decode) for class labels [N] (the null class
    /// <see cref="DiT.NullClass"/> draws unconditionally). Row i depends only on its label and its seed:
    /// <paramref name="seeds"/>[i], by default <see cref="RowNoise.RowSeed"/>(options.Seed, i).
    /// </summary>
    public Tensor Sample(Tensor labels, SamplingOptions options, IReadOnlyList<long>? seeds = null)
    {
        if (seeds is not null && seeds.Count != labels.shape[0])
            throw new ArgumentException($"{seeds.Count} seeds for {labels.shape[0]} labels.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var y = labels.to(ScalarType.Int64).to(Model.Device);
        using Scalar zero = 0.ToScalar(), nullClass = Model.NullClass.ToScalar();
        using (var bad = y.lt(zero).logical_or(y.gt(nullClass)).nonzero())
            if (bad.shape[0] > 0) throw new ArgumentException($"Label {y[bad[0, 0]].item<long>()} is outside 0..{Model.NullClass} (the last is the null class).");
        var x = Objective.Sample(Model, y, options, seeds);
        return Normalization.Denormalize(x).MoveToOuterDisposeScope();
    }

    /// <summary>Samples latents as <see cref="Sample"/> does and decodes them with <paramref name="tokenizer"/>: clips [N, 3, T, H, W] in [-1, 1].</summary>
    public Tensor SampleImages(ViTokAutoEncoder tokenizer, Tensor labels, SamplingOptions options, IReadOnlyList<long>? seeds = null)
    {
        CheckDecoder(tokenizer);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Decode(tokenizer, Sample(labels, options, seeds)).MoveToOuterDisposeScope();
    }

    /// <summary>Decodes latents [N, L, c] of this generator with <paramref name="tokenizer"/>: clips [N, 3, T, H, W] in [-1, 1], float32, under no_grad.</summary>
    public Tensor Decode(ViTokAutoEncoder tokenizer, Tensor latents)
    {
        CheckDecoder(tokenizer);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var weight = tokenizer.parameters().First();
        return PixelRange.Clamp(tokenizer.Decode(latents.to(weight.dtype, weight.device)).to(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    void CheckDecoder(ViTokAutoEncoder tokenizer)
    {
        if (tokenizer.Config.Grid != Tokenizer.Grid || tokenizer.Config.Channels != Tokenizer.Channels)
            throw new ArgumentException($"Tokenizer {tokenizer.Config.Variant} c={tokenizer.Config.Channels} does not decode this generator's latents (made for {Tokenizer.Variant} c={Tokenizer.Channels}).");
    }

    /// <summary>
    /// The samples <c>vitok generate</c> draws, in one batch: images [classes x perClass, 3, T, H, W] in [-1, 1], class-major
    /// (samples 0..perClass-1 of <paramref name="classes"/>[0], then of the next class), sample i of every class starting
    /// from the noise of <see cref="RowNoise.RowSeed"/>(options.Seed, i).
    /// </summary>
    public Tensor SampleClasses(ViTokAutoEncoder tokenizer, IReadOnlyList<int> classes, int perClass, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count == 0) throw new ArgumentException("No class to draw.", nameof(classes));
        if (perClass < 1) throw new ArgumentOutOfRangeException(nameof(perClass), perClass, "At least one sample per class.");
        foreach (int k in classes)
            if (k < 0 || k >= ClassNames.Count)
                throw new ArgumentOutOfRangeException(nameof(classes), k, $"Class {k} is outside 0..{ClassNames.Count - 1} ({string.Join(", ", ClassNames)}).");
        var rowSeeds = RowNoise.Seeds(options.Seed, 0, perClass);
        var seeds = classes.SelectMany(_ => rowSeeds).ToArray();
        using var labels = tensor(classes.SelectMany(k => Enumerable.Repeat((long)k, perClass)).ToArray());
        return SampleImages(tokenizer, labels, options, seeds);
    }

    public void Dispose() => Model.Dispose();
}
