using TorchSharp;
using ViTok.Models.Generation;
using static TorchSharp.torch;

namespace ViTok.Models.Recipes;

/// <summary>
/// Generation (sampling) as `vitok generate` and ML.NET's GenerateLatents both run it: the sampling options resolved
/// once (the generator's sampler and that sampler's steps when none are given, <see cref="SamplingOptions.Defaults"/>),
/// the seed of each sample and the passes a set is drawn in. Both surfaces sample with the one call
/// <see cref="LatentGenerator.Sample"/> (GenerateLatents through <see cref="GeneratorInference"/>), so the same
/// generator, options, labels, seeds and pass shapes give bitwise the same latents through either surface.
/// </summary>
public static class GenerationRecipe
{
    /// <summary>The defaults of generation that are not sampling options (those are <see cref="SamplingOptions.Defaults"/>).</summary>
    public static class Defaults
    {
        /// <summary>Samples per sampling pass: `vitok generate --batch` and GenerateLatents' BatchSize.</summary>
        public const int BatchSize = 250;
    }

    /// <summary>
    /// The sampling options for a generator of <paramref name="objective"/>: <paramref name="sampler"/> null takes the
    /// objective's (<see cref="IDiffusionObjective.DefaultSampler"/>), <paramref name="steps"/> null the sampler's
    /// (<see cref="SamplingOptions.Defaults.StepsFor"/>). Throws <see cref="ArgumentException"/> naming what does not fit.
    /// </summary>
    public static SamplingOptions Sampling(IDiffusionObjective objective, Sampler? sampler = null, int? steps = null,
        double guidanceScale = SamplingOptions.Defaults.GuidanceScale, double guidanceFrom = SamplingOptions.Defaults.GuidanceFrom,
        double guidanceTo = SamplingOptions.Defaults.GuidanceTo, double eta = SamplingOptions.Defaults.Eta, long seed = SamplingOptions.Defaults.Seed)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var resolved = sampler ?? objective.DefaultSampler;
        var options = new SamplingOptions
        {
            Sampler = resolved,
            Steps = steps ?? SamplingOptions.Defaults.StepsFor(resolved),
            GuidanceScale = guidanceScale,
            GuidanceFrom = guidanceFrom,
            GuidanceTo = guidanceTo,
            Eta = eta,
            Seed = seed,
        };
        options.Validate(objective);
        return options;
    }

    /// <summary>The noise seed of sample <paramref name="index"/> (of a class in `vitok generate`, of a row position in
    /// GenerateLatents without a seed column) in a run seeded with <paramref name="seed"/>.</summary>
    public static long SampleSeed(long seed, long index) => RowNoise.RowSeed(seed, index);

    /// <summary>One sampling pass of a set: <see cref="Count"/> samples of class <see cref="Class"/> from sample
    /// <see cref="First"/> on, each with its own seed.</summary>
    public sealed record Pass(int Class, int First, int Count, long[] Seeds);

    /// <summary>
    /// The passes that draw <paramref name="perClass"/> samples of each of <paramref name="classes"/> (class-major), at
    /// most <paramref name="batchSize"/> a pass and never two classes in one pass; sample i of every class has the seed
    /// <see cref="SampleSeed"/>(seed, i), so a sample does not depend on the batch size.
    /// </summary>
    public static IEnumerable<Pass> Passes(IReadOnlyList<int> classes, int perClass, int batchSize, long seed)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        foreach (int k in classes)
            for (int first = 0; first < perClass; first += batchSize)
            {
                int n = Math.Min(batchSize, perClass - first);
                yield return new Pass(k, first, n, RowNoise.Seeds(seed, first, n));
            }
    }

    /// <summary>The latents [N, L, c] of one pass (in the tokenizer's scale, ready to decode), under no_grad: row i from
    /// the noise of the pass's seed i (<see cref="LatentGenerator.Sample"/>).</summary>
    public static Tensor Sample(LatentGenerator generator, Pass pass, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(pass);
        using Scalar label = pass.Class.ToScalar();
        using var labels = full([pass.Count], label, dtype: ScalarType.Int64);
        return generator.Sample(labels, options, pass.Seeds);
    }
}
