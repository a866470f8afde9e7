using System.Text.Json.Serialization;
using ViTok.Models.Generation;
using ViTok.Models.Recipes;

namespace ViTok.MLNet;

/// <summary>Options of <see cref="GenerateLatentsEstimator"/>; every default is stated. The defaults are `vitok generate`'s
/// (<see cref="SamplingOptions.Defaults"/>, <see cref="GenerationRecipe.Defaults"/>).</summary>
public sealed class GenerateLatentsOptions : ComponentOptions
{
    /// <summary>Options with every default; <see cref="ComponentOptions.BatchSize"/> is <see cref="GenerationRecipe.Defaults.BatchSize"/>.</summary>
    public GenerateLatentsOptions() => BatchSize = GenerationRecipe.Defaults.BatchSize;

    /// <summary>Name of the latent column to add (float vector [tokens, c], ready for DecodeLatents). Required.</summary>
    public string OutputColumnName { get; set; } = "";

    /// <summary>Generator safetensors file (generator.safetensors of `vitok train-generator` or TrainGenerator). Required.</summary>
    [JsonIgnore]   // not saved: the model bytes are stored beside the options
    public string? GeneratorPath { get; set; }

    /// <summary>
    /// The class of each row. Default <see cref="GenerateLatentsEstimator.Defaults.LabelColumnName"/>. A key (U4): mapped by the names of its KeyValues annotation when it has
    /// them (as MapValueToKey gives), else key k is class k - 1; text: a class name, case-insensitive; int or long: a
    /// 0-based class index. A name or index the generator does not know stops the cursor with an error naming it.
    /// </summary>
    public string LabelColumnName { get; set; } = GenerateLatentsEstimator.Defaults.LabelColumnName;

    /// <summary>
    /// Optional long or int column: each row's noise seed, used as is. Default null: row seed =
    /// RowNoise.RowSeed(<see cref="Seed"/>, row position in the cursor; a PredictionEngine counts its calls).
    /// A row's latent depends only on its label and seed, not on its neighbours: the same whatever the batch size or
    /// the row's position up to float rounding (batched matrix products round differently for different batch
    /// shapes, about 1e-6 of the values here), and bitwise the same with <see cref="ComponentOptions.BatchSize"/> = 1.
    /// </summary>
    public string? SeedColumnName { get; set; }

    /// <summary>Sampler. Default null: the generator's own (DDIM for a DDPM generator, Heun for flow matching).</summary>
    public Sampler? Sampler { get; set; }

    /// <summary>Sampling steps. Default null: the sampler's (<see cref="SamplingOptions.Defaults.StepsFor"/>).</summary>
    public int? Steps { get; set; }

    /// <summary>Classifier-free guidance scale; default <see cref="SamplingOptions.Defaults.GuidanceScale"/>. 1 is the plain
    /// conditional model; larger follows the class more closely.</summary>
    public double GuidanceScale { get; set; } = SamplingOptions.Defaults.GuidanceScale;

    /// <summary>Guidance only at noise levels from this one (0 = data, 1 = pure noise) to <see cref="GuidanceTo"/>; other
    /// steps take one model pass instead of two (<see cref="SamplingOptions.GuidanceFrom"/>). Default
    /// <see cref="SamplingOptions.Defaults.GuidanceFrom"/>.</summary>
    public double GuidanceFrom { get; set; } = SamplingOptions.Defaults.GuidanceFrom;

    /// <summary>Upper end of the guidance interval; default <see cref="SamplingOptions.Defaults.GuidanceTo"/>.</summary>
    public double GuidanceTo { get; set; } = SamplingOptions.Defaults.GuidanceTo;

    /// <summary>DDIM's eta: the default <see cref="SamplingOptions.Defaults.Eta"/> is deterministic given the initial noise; 1 is the DDPM posterior variance.</summary>
    public double Eta { get; set; } = SamplingOptions.Defaults.Eta;

    /// <summary>Run seed used when there is no <see cref="SeedColumnName"/>; default <see cref="SamplingOptions.Defaults.Seed"/>.</summary>
    public long Seed { get; set; } = SamplingOptions.Defaults.Seed;

    /// <summary>Dimensions declared for the latent column: [tokens, c] (default) or [t, h, w, c].</summary>
    public LatentLayout Layout { get; set; } = TokenizeImagesEstimator.Defaults.Layout;
}
