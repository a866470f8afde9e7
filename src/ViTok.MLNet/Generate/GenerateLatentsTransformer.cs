using Microsoft.ML;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Generate;
using ViTok.MLNet.Persistence;
using ViTok.Models.Generation;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet;

/// <summary>
/// Adds a latent column (<c>VBuffer&lt;float&gt;</c> shaped [tokens, c] or [t, h, w, c]) sampled by a class-conditional
/// DiT generator for each row's class label (and seed). Lazy and batched: one sampling call per
/// <see cref="ComponentOptions.BatchSize"/> rows, each row with its own seed, so a row's latent depends only on
/// its label and seed (up to float rounding between batch shapes; see <see cref="GenerateLatentsOptions.SeedColumnName"/>). Decode the latents to images with <c>mlContext.Transforms.DecodeLatents</c> and the tokenizer
/// the generator was trained on. Save with mlContext.Model.Save; load with
/// <see cref="ViTokModelLoader.LoadWithViTok(MLContext, string, out DataViewSchema, string?, int?)"/>.
/// </summary>
public sealed class GenerateLatentsTransformer : ViTokTransformer
{
    readonly GenerateLatentsOptions _options;
    readonly GenerateMapping _mapping;
    readonly GeneratorHandle _generator;

    internal GenerateLatentsTransformer(GenerateLatentsOptions options, GeneratorHandle generator) : base(generator)
    {
        _options = options;
        _generator = generator;
        _mapping = new GenerateMapping(options, generator);
    }

    /// <summary>The class names, in class-index order.</summary>
    public IReadOnlyList<string> ClassNames => _generator.Info.ClassNames;

    /// <summary>The configuration of the tokenizer whose latents the generator makes (decode with that tokenizer).</summary>
    public ViTokConfig TokenizerConfig => _generator.Info.Tokenizer;

    /// <summary>The DiT's configuration (size, token grid, channels, classes, objective).</summary>
    public DiTConfig GeneratorConfig => _generator.Info.Config;

    /// <summary>The sampling options in use (sampler resolved).</summary>
    public SamplingOptions Sampling => _mapping.Sampling;

    public string OutputColumnName => _options.OutputColumnName;
    public string LabelColumnName => _options.LabelColumnName;
    public string? SeedColumnName => _options.SeedColumnName;

    private protected override BatchedMapping Mapping => _mapping;

    /// <summary>The options with the number of steps resolved, so a saved pipeline samples as this one does.</summary>
    private protected override ComponentManifest Manifest
    {
        get
        {
            var saved = _options.Snapshot<GenerateLatentsOptions>();
            saved.Steps = _mapping.Sampling.Steps;
            return ComponentManifest.Of(ComponentManifest.GenerateKind, saved);
        }
    }

    /// <summary>The transformer a saved pipeline describes, on <paramref name="device"/> (null: the loading MLContext's).</summary>
    internal static GenerateLatentsTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights, string name, string? device, int? threads)
    {
        var options = m.ReadOptions<GenerateLatentsOptions>(device, threads);
        var generator = ModelHandles.Generator(host, weights, name, device, options.Threads);
        return Owning(generator, () => new GenerateLatentsTransformer(options, generator));
    }
}
