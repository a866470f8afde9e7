using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// What a generator is trained to do and how it is sampled: DDPM (<see cref="GaussianDiffusion"/>) or flow matching
/// (<see cref="FlowMatching"/>). Made from a <see cref="DiTConfig"/> by <see cref="DiffusionObjectives.Create"/> (DiT's
/// <c>create_diffusion</c>); the trainer, the generator and the sampling options ask it instead of switching on
/// <see cref="DiffusionObjective"/>.
/// </summary>
public interface IDiffusionObjective
{
    /// <summary>Which objective this is.</summary>
    DiffusionObjective Kind { get; }

    /// <summary>The sampler used when none is given.</summary>
    Sampler DefaultSampler { get; }

    /// <summary>The samplers that fit this objective.</summary>
    IReadOnlyList<Sampler> Samplers { get; }

    /// <summary>The most sampling steps a sampler of this objective can take.</summary>
    int MaxSamplingSteps { get; }

    /// <summary>Training loss (a scalar) for latents x0 [B, L, c] with labels y [B] (labels already dropped to null where chosen);
    /// timesteps and noise come from <paramref name="generator"/>.</summary>
    Tensor Loss(DiT model, Tensor x0, Tensor y, Generator generator);

    /// <summary>
    /// Draws latents [N, L, c] for labels y [N] (with classifier-free guidance). Row i's noise comes from
    /// <paramref name="seeds"/>[i] (default: <see cref="RowNoise.Seeds"/> of the options' seed, rows 0..N-1).
    /// </summary>
    Tensor Sample(DiT model, Tensor y, SamplingOptions options, IReadOnlyList<long>? seeds = null);
}

/// <summary>Makes the objective a configuration asks for (DiT's <c>create_diffusion</c>).</summary>
public static class DiffusionObjectives
{
    /// <summary>The objective of <paramref name="config"/>: DDPM on its <see cref="DiTConfig.DiffusionSteps"/>, or flow matching.</summary>
    public static IDiffusionObjective Create(DiTConfig config) => config.Objective switch
    {
        DiffusionObjective.Ddpm => new GaussianDiffusion(config.DiffusionSteps),
        DiffusionObjective.FlowMatching => new FlowMatching(),
        var other => throw new ArgumentOutOfRangeException(nameof(config), other, "Unknown diffusion objective."),
    };
}
