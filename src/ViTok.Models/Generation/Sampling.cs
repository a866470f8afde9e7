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
    /// <summary>The default of every option, in one place: `vitok generate`, ML.NET's GenerateLatents and TrainGenerator
    /// and the generation recipe (GenerationRecipe, in ViTok.Training) refer to these.</summary>
    public static class Defaults
    {
        /// <summary>DDIM; a flow-matching generator's own default is its objective's (<see cref="IDiffusionObjective.DefaultSampler"/>).</summary>
        public const Sampler Sampler = Generation.Sampler.Ddim;
        /// <summary>Ancestral DDPM: the DiT paper's sampling steps.</summary>
        public const int DdpmSteps = 250;
        /// <summary>DDIM (deterministic): a tenth of the training timesteps' usual respacing.</summary>
        public const int DdimSteps = 50;
        /// <summary>Euler on the flow ODE: one model evaluation a step.</summary>
        public const int EulerSteps = 50;
        /// <summary>Heun on the flow ODE: two model evaluations a step, so half of Euler's.</summary>
        public const int HeunSteps = 25;
        /// <summary>Guidance 4: the DiT paper's scale for samples to look at, and what the shipped generators were measured with.</summary>
        public const double GuidanceScale = 4.0;
        public const long Seed = 0;
        /// <summary>0: deterministic DDIM.</summary>
        public const double Eta = 0;
        /// <summary>Guidance from noise level 0 ...</summary>
        public const double GuidanceFrom = 0;
        /// <summary>... to noise level 1: at every step, as DiT samples.</summary>
        public const double GuidanceTo = 1;

        /// <summary>The steps a sampler takes when none are given: <see cref="DdpmSteps"/>, <see cref="DdimSteps"/>,
        /// <see cref="EulerSteps"/> or <see cref="HeunSteps"/>.</summary>
        public static int StepsFor(Generation.Sampler sampler) => sampler switch
        {
            Generation.Sampler.Ddpm => DdpmSteps,
            Generation.Sampler.Ddim => DdimSteps,
            Generation.Sampler.Euler => EulerSteps,
            Generation.Sampler.Heun => HeunSteps,
            _ => throw new ArgumentOutOfRangeException(nameof(sampler), sampler, "Not a sampler."),
        };
    }

    public Sampler Sampler { get; init; } = Defaults.Sampler;
    /// <summary>Sampling steps; default the sampler's, <see cref="Defaults.StepsFor"/>.</summary>
    public int Steps
    {
        get => _steps ?? Defaults.StepsFor(Sampler);
        init => _steps = value;
    }
    readonly int? _steps;
    /// <summary>Guidance scale s: prediction = uncond + s (cond - uncond). 1 is the plain conditional model; default <see cref="Defaults.GuidanceScale"/>.</summary>
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
