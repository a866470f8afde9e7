using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.MLNet.Generate;

/// <summary>Labels (and seeds) to latents: one sampling call per batch, each row with its own seed.</summary>
sealed class GenerateMapping : BatchedMapping
{
    readonly GenerateLatentsOptions _options;
    readonly GeneratorHandle _generator;

    public GenerateMapping(GenerateLatentsOptions options, GeneratorHandle generator)
        : base(options.LabelColumnName, options.OutputColumnName, options.BatchSize)
    {
        _options = options;
        _generator = generator;
        var g = generator.Generator;
        Sampling = new SamplingOptions
        {
            Sampler = options.Sampler ?? g.DefaultSampler,
            Steps = options.Steps,
            GuidanceScale = options.GuidanceScale,
            Eta = options.Eta,
            Seed = options.Seed,
        };
        Sampling.Validate(g.Objective);
    }

    public SamplingOptions Sampling { get; }

    public override IReadOnlyList<string> InputColumns =>
        _options.SeedColumnName is null ? [InputColumn] : [InputColumn, _options.SeedColumnName];

    public override DataViewType OutputType => LatentColumn.Type(_generator.Generator.Tokenizer, _options.Layout);

    public override void CheckInput(DataViewSchema schema)
    {
        ClassLabels.ForGeneration(schema, InputColumn, _generator.Generator.ClassNames);
        ClassLabels.Seeds(schema, _options.SeedColumnName, _options.Seed);
    }

    public override IBatchRun Start(DataViewRow row, int slots) => new Run(this,
        ClassLabels.ForGeneration(row.Schema, InputColumn, _generator.Generator.ClassNames)(row),
        ClassLabels.Seeds(row.Schema, _options.SeedColumnName, _options.Seed)(row), slots);

    sealed class Run(GenerateMapping mapping, Func<long, long> label, Func<long, long> seed, int slots) : IBatchRun
    {
        readonly long[] _labels = new long[slots];
        readonly long[] _seeds = new long[slots];
        readonly float[][] _latents = new float[slots][];

        public void Capture(int slot, long rowPosition)
        {
            _labels[slot] = label(rowPosition);
            _seeds[slot] = seed(rowPosition);
        }

        public void Compute(int count) => TorchThreads.Run(TorchThreads.For(mapping._options.Threads, count), () => Sample(count));

        void Sample(int count)
        {
            var generator = mapping._generator.Generator;
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var y = tensor(_labels.AsSpan(0, count).ToArray());
            var z = generator.Sample(y, mapping.Sampling, _seeds.AsSpan(0, count).ToArray()).to(ScalarType.Float32).cpu().contiguous();
            var values = z.data<float>().ToArray();
            int length = values.Length / count;
            for (int i = 0; i < count; i++)
                Array.Copy(values, (long)i * length, _latents[i] ??= new float[length], 0, length);
        }

        public Delegate OutputGetter(Func<int> slot) => LatentColumn.Getter(_latents, slot);

        public void Dispose() { }
    }
}
