using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.Models.Generation;
using ViTok.Models.Recipes;
using ViTok.Models.Runtime;

namespace ViTok.MLNet.Generate;

/// <summary>
/// Labels (and seeds) to latents: one sampling call per batch (<see cref="GeneratorInference"/>), each row with its own
/// seed, the latents written into one batch buffer that the getter copies from.
/// </summary>
sealed class GenerateMapping : BatchedMapping
{
    readonly GenerateLatentsOptions _options;
    readonly GeneratorHandle _generator;

    public GenerateMapping(GenerateLatentsOptions options, GeneratorHandle generator)
        : base(options.LabelColumnName, options.OutputColumnName, options.BatchSize)
    {
        _options = options;
        _generator = generator;
        using (var pass = generator.Use()) Sampling = Resolve(options, pass.Model.Generator.Objective);
    }

    /// <summary>The sampling options of <paramref name="options"/> with the sampler resolved, checked against <paramref name="objective"/>.</summary>
    public static SamplingOptions Resolve(GenerateLatentsOptions options, IDiffusionObjective objective) =>
        GenerationRecipe.Sampling(objective, options.Sampler, options.Steps, options.GuidanceScale, options.GuidanceFrom, options.GuidanceTo, options.Eta, options.Seed);

    public SamplingOptions Sampling { get; }

    public override IReadOnlyList<string> InputColumns =>
        _options.SeedColumnName is null ? [InputColumn] : [InputColumn, _options.SeedColumnName];

    public override DataViewType OutputType => LatentColumn.Type(_generator.Info.Tokenizer, _options.Layout);

    public override BatchRunStarter Bind(DataViewSchema schema)
    {
        var labels = ClassLabels.ForGeneration(schema, InputColumn, _generator.Info.ClassNames);
        var seeds = ClassLabels.Seeds(schema, _options.SeedColumnName, _options.Seed);
        return (row, slots) => new Run(this, labels(row), seeds(row), slots);
    }

    sealed class Run(GenerateMapping mapping, Func<long, long> label, Func<long, long> seed, int slots) : IBatchRun
    {
        readonly long[] _labels = new long[slots];
        readonly long[] _seeds = new long[slots];
        readonly BatchBuffer _latents = new(slots, mapping._generator.Info.LatentLength);

        readonly long[] _rows = new long[slots];

        public void Capture(int slot, long rowPosition)
        {
            _labels[slot] = label(rowPosition);
            _seeds[slot] = seed(rowPosition);
            _rows[slot] = rowPosition;
        }

        public void Compute(int count)
        {
            using (var pass = mapping._generator.Use())
                TorchThreads.Run(TorchThreads.For(mapping._options.Threads, count), () =>
                    pass.Model.Sample(_labels.AsSpan(0, count), _seeds[..count], mapping.Sampling, _latents));
            var s = mapping.Sampling;
            for (int i = 0; i < count; i++)
                FiniteValues.CheckOutput(_latents.Slot(i), mapping.OutputColumn, $"row {_rows[i]}", () =>
                    $"sampled with {s.Sampler}, {s.Steps} steps, GuidanceScale {s.GuidanceScale}, seed {_seeds[i]}");
        }

        public Delegate OutputGetter(Func<int> slot) => LatentColumn.Getter(_latents, slot);

        public void Dispose() { }
    }
}
