namespace ViTok.Models.Generation;

/// <summary>How to draw samples.</summary>
public enum Sampler
{
    /// <summary>Ancestral DDPM (learned variance), on evenly respaced steps (DDPM objective).</summary>
    Ddpm,
    /// <summary>DDIM, deterministic with eta 0 (DDPM objective).</summary>
    Ddim,
    /// <summary>Euler integration of the flow ODE from t = 1 to 0 (flow-matching objective).</summary>
    Euler,
    /// <summary>Heun's second-order method on the flow ODE (flow-matching objective).</summary>
    Heun,
}

/// <summary>Sampling options: sampler, number of steps, classifier-free guidance scale, seed.</summary>
public sealed record SamplingOptions
{
    /// <summary>The default of every option, in one place (the CLI and the ML.NET options refer to these).</summary>
    public static class Defaults
    {
        /// <summary>DDIM; a flow-matching generator's own default is its objective's (<see cref="IDiffusionObjective.DefaultSampler"/>).</summary>
        public const Sampler Sampler = Generation.Sampler.Ddim;
        /// <summary>The DiT paper's sampling steps.</summary>
        public const int Steps = 250;
        /// <summary>1: the plain conditional model.</summary>
        public const double GuidanceScale = 1.0;
        public const long Seed = 0;
        /// <summary>0: deterministic DDIM.</summary>
        public const double Eta = 0;

        /// <summary>Steps `vitok generate` takes for a sampler when none is given: <see cref="Steps"/> for ancestral DDPM,
        /// 25 for Heun (two model evaluations a step), 50 for DDIM and Euler.</summary>
        public static int StepsFor(Generation.Sampler sampler) => sampler switch { Generation.Sampler.Ddpm => Steps, Generation.Sampler.Heun => 25, _ => 50 };
    }

    public Sampler Sampler { get; init; } = Defaults.Sampler;
    /// <summary>Sampling steps; default <see cref="Defaults.Steps"/>.</summary>
    public int Steps { get; init; } = Defaults.Steps;
    /// <summary>Guidance scale s: prediction = uncond + s (cond - uncond). 1 is the plain conditional model.</summary>
    public double GuidanceScale { get; init; } = Defaults.GuidanceScale;
    public long Seed { get; init; } = Defaults.Seed;
    /// <summary>DDIM's eta (0 = deterministic; 1 = the DDPM posterior variance).</summary>
    public double Eta { get; init; } = Defaults.Eta;
    /// <summary>DDPM: the model's learned variance (default, as DiT) or the fixed posterior variance (beta tilde).</summary>
    public bool FixedPosteriorVariance { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that does not fit <paramref name="objective"/> or is out of range.</summary>
    public void Validate(IDiffusionObjective objective)
    {
        if (!objective.Samplers.Contains(Sampler))
            throw new ArgumentException($"Sampler {Sampler} does not fit a generator trained with {objective.Kind}: use {string.Join(" or ", objective.Samplers.Select(s => s.ToString().ToLowerInvariant()))}.");
        if (Steps < 1 || Steps > objective.MaxSamplingSteps)
            throw new ArgumentException($"Steps {Steps} must be between 1 and {objective.MaxSamplingSteps}.");
        if (GuidanceScale < 0 || !double.IsFinite(GuidanceScale)) throw new ArgumentException($"Guidance scale {GuidanceScale} must be finite and not negative.");
        if (Eta is < 0 or > 1) throw new ArgumentException($"Eta {Eta} must be in [0, 1].");
    }
}
