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
        /// <summary>Guidance from noise level 0 ...</summary>
        public const double GuidanceFrom = 0;
        /// <summary>... to noise level 1: at every step, as DiT samples.</summary>
        public const double GuidanceTo = 1;

        /// <summary>Steps `vitok generate` takes for a sampler when none is given: <see cref="Steps"/> for ancestral DDPM,
        /// 25 for Heun (two model evaluations a step), 50 for DDIM and Euler.</summary>
        public static int StepsFor(Generation.Sampler sampler) => sampler switch { Generation.Sampler.Ddpm => Steps, Generation.Sampler.Heun => 25, _ => 50 };
    }

    public Sampler Sampler { get; init; } = Defaults.Sampler;
    /// <summary>Sampling steps; default <see cref="Defaults.Steps"/>.</summary>
    public int Steps { get; init; } = Defaults.Steps;
    /// <summary>Guidance scale s: prediction = uncond + s (cond - uncond). 1 is the plain conditional model.</summary>
    public double GuidanceScale { get; init; } = Defaults.GuidanceScale;
    /// <summary>
    /// Guidance applies at noise levels in [<see cref="GuidanceFrom"/>, <see cref="GuidanceTo"/>] (0 = data, 1 = pure
    /// noise: a flow step's t, a DDPM step's timestep over the last training timestep); steps outside take the
    /// conditional prediction alone, one model pass instead of two. Guidance in a limited interval: Kynkaanniemi et
    /// al. 2024 ("Applying Guidance in a Limited Interval Improves Sample and Distribution Quality in Diffusion
    /// Models"). Default the whole range.
    /// </summary>
    public double GuidanceFrom { get; init; } = Defaults.GuidanceFrom;
    /// <summary>Upper end of the guidance interval; see <see cref="GuidanceFrom"/>.</summary>
    public double GuidanceTo { get; init; } = Defaults.GuidanceTo;
    public long Seed { get; init; } = Defaults.Seed;
    /// <summary>DDIM's eta (0 = deterministic; 1 = the DDPM posterior variance).</summary>
    public double Eta { get; init; } = Defaults.Eta;
    /// <summary>DDPM: the model's learned variance (default, as DiT) or the fixed posterior variance (beta tilde).</summary>
    public bool FixedPosteriorVariance { get; init; }

    /// <summary>The guidance scale of a step at <paramref name="noiseLevel"/> (0 = data, 1 = pure noise): <see cref="GuidanceScale"/>
    /// inside the guidance interval, 1 (the conditional model alone) outside it.</summary>
    public double ScaleAt(double noiseLevel) => noiseLevel >= GuidanceFrom && noiseLevel <= GuidanceTo ? GuidanceScale : 1.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that does not fit <paramref name="objective"/> or is out of range.</summary>
    public void Validate(IDiffusionObjective objective)
    {
        if (!objective.Samplers.Contains(Sampler))
            throw new ArgumentException($"Sampler {Sampler} does not fit a generator trained with {objective.Kind}: use {string.Join(" or ", objective.Samplers.Select(s => s.ToString().ToLowerInvariant()))}.");
        if (Steps < 1 || Steps > objective.MaxSamplingSteps)
            throw new ArgumentException($"Steps {Steps} must be between 1 and {objective.MaxSamplingSteps}.");
        if (GuidanceScale < 0 || !double.IsFinite(GuidanceScale)) throw new ArgumentException($"Guidance scale {GuidanceScale} must be finite and not negative.");
        if (Eta is < 0 or > 1) throw new ArgumentException($"Eta {Eta} must be in [0, 1].");
        if (!(GuidanceFrom >= 0 && GuidanceFrom <= GuidanceTo && GuidanceTo <= 1))
            throw new ArgumentException($"Guidance interval [{GuidanceFrom}, {GuidanceTo}] must satisfy 0 <= from <= to <= 1.");
    }
}
