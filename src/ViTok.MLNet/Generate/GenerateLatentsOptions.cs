using ViTok.Models.Generation;

namespace ViTok.MLNet;

/// <summary>Options of <see cref="GenerateLatentsEstimator"/>; every default is stated.</summary>
public sealed class GenerateLatentsOptions
{
    /// <summary>Name of the latent column to add (float vector [tokens, c], ready for DecodeLatents). Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Generator safetensors file (generator.safetensors of `vitok train-generator` or TrainGenerator). Required.</summary>
    public string? GeneratorPath { get; set; }

    /// <summary>
    /// The class of each row. Default "Label". A key (U4): mapped by the names of its KeyValues annotation when it has
    /// them (as MapValueToKey gives), else key k is class k - 1; text: a class name, case-insensitive; int or long: a
    /// 0-based class index. A name or index the generator does not know stops the cursor with an error naming it.
    /// </summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// Optional long or int column: each row's noise seed, used as is. Default null: row seed =
    /// RowNoise.RowSeed(<see cref="Seed"/>, row position in the cursor; a PredictionEngine counts its calls).
    /// A row's latent depends only on its label and seed, not on its neighbours: the same whatever the batch size or
    /// the row's position up to float rounding (batched matrix products round differently for different batch
    /// shapes, about 1e-6 of the values here), and bitwise the same with <see cref="BatchSize"/> = 1.
    /// </summary>
    public string? SeedColumnName { get; set; }

    /// <summary>Sampler. Default null: the generator's own (DDIM for a DDPM generator, Heun for flow matching).</summary>
    public Sampler? Sampler { get; set; }

    /// <summary>Sampling steps. Default 250 (the DiT paper's).</summary>
    public int Steps { get; set; } = 250;

    /// <summary>Classifier-free guidance scale: 1 (default) is the plain conditional model; larger follows the class more closely.</summary>
    public double GuidanceScale { get; set; } = 1.0;

    /// <summary>DDIM's eta: 0 (default) is deterministic given the initial noise; 1 is the DDPM posterior variance.</summary>
    public double Eta { get; set; }

    /// <summary>Run seed used when there is no <see cref="SeedColumnName"/>. Default 0.</summary>
    public long Seed { get; set; }

    /// <summary>Rows per sampling call. Default 32. 1 makes every row's latent bitwise independent of its position.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>"cpu", "cuda" or "cuda:N". Default null: MLContext.GpuDeviceId (cuda:N) when set, else cpu.</summary>
    public string? Device { get; set; }

    /// <summary>Intra-op threads of this component's forward passes, set around each pass and then restored (never
    /// process-wide). 0 (default, automatic): 1 thread for a single-row pass (PredictionEngine), the process's setting
    /// (torch's default, one per core) for batches. See docs/ml-net.md, "Threads".</summary>
    public int Threads { get; set; }

    /// <summary>Dimensions declared for the latent column: [tokens, c] (default) or [t, h, w, c].</summary>
    public LatentLayout Layout { get; set; } = LatentLayout.Tokens;
}
