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
    public Sampler Sampler { get; init; } = Sampler.Ddim;
    public int Steps { get; init; } = 250;
    /// <summary>Guidance scale s: prediction = uncond + s (cond - uncond). 1 is the plain conditional model.</summary>
    public double GuidanceScale { get; init; } = 1.0;
    public long Seed { get; init; }
    /// <summary>DDIM's eta (0 = deterministic; 1 = the DDPM posterior variance).</summary>
    public double Eta { get; init; }
    /// <summary>DDPM: the model's learned variance (default, as DiT) or the fixed posterior variance (beta tilde).</summary>
    public bool FixedPosteriorVariance { get; init; }

    public void Validate(DiffusionObjective objective, int trainingSteps)
    {
        bool diffusion = Sampler is Sampler.Ddpm or Sampler.Ddim;
        if (diffusion != (objective == DiffusionObjective.Ddpm))
            throw new ArgumentException($"Sampler {Sampler} does not fit a generator trained with {objective}: use {(objective == DiffusionObjective.Ddpm ? "ddpm or ddim" : "euler or heun")}.");
        if (Steps < 1 || diffusion && Steps > trainingSteps)
            throw new ArgumentException($"Steps {Steps} must be between 1 and {(diffusion ? trainingSteps : int.MaxValue)}.");
        if (GuidanceScale < 0 || !double.IsFinite(GuidanceScale)) throw new ArgumentException($"Guidance scale {GuidanceScale} must be finite and not negative.");
        if (Eta is < 0 or > 1) throw new ArgumentException($"Eta {Eta} must be in [0, 1].");
    }
}
