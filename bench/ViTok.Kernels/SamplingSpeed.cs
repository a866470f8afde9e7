using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Benchmarks;
using ViTok.Models.Generation;
using static TorchSharp.torch;

/// <summary>
/// DiT sampling speed of the shipped generators: samples per second of LatentGenerator.Sample (latents only, no
/// decoding) at a batch, with and without classifier-free guidance and with guidance in a limited interval. The rows
/// that go through the DiT are counted by a forward hook (a guided step runs [conditional; null], two rows a sample),
/// so multiply-adds per sample are DiTCost x rows, set against a same-run 1024^3 matmul. Settings are interleaved
/// round by round; figures are medians over the rounds.
/// </summary>
static class SamplingSpeed
{
    public static void Run(int batch, int rounds)
    {
        var settings = new List<(string Generator, SamplingOptions Options)>();
        foreach (var (file, sampler, steps) in new[]
                 {
                     (ViTokModels.FashionMnistFlowGenerator, Sampler.Heun, 10), (ViTokModels.FashionMnistDdpmGenerator, Sampler.Ddim, 25),
                     (ViTokModels.SpritesVideoFlowGenerator, Sampler.Heun, 10),
                 })
        {
            var guided = new SamplingOptions { Sampler = sampler, Steps = steps, GuidanceScale = 4 };
            settings.Add((file, guided with { GuidanceScale = 1 }));
            settings.Add((file, guided));
            settings.Add((file, guided with { GuidanceFrom = 0, GuidanceTo = 0.5 }));
        }
        var generators = settings.Select(s => s.Generator).Distinct().ToDictionary(f => f, f => GeneratorFile.Load(ViTokModels.Path(f)));
        long rows = 0;
        foreach (var g in generators.Values)
            g.Model.register_forward_pre_hook((_, x, _, _) => { rows += x.shape[0]; return null; });

        using var labels = arange(batch, dtype: ScalarType.Int64);
        var seconds = settings.Select(_ => new List<double>()).ToArray();
        var rowsPerSample = new double[settings.Count];
        var policy = new TimingPolicy(MinCalls: 3, MinSeconds: 1.0, WarmupCalls: 1);
        var matmuls = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < settings.Count; i++)
            {
                var (file, options) = settings[i];
                var generator = generators[file];
                using var y = labels.remainder(generator.ClassNames.Count);
                var timing = BenchTimer.Time(policy, () => { rows = 0; generator.Sample(y, options).Dispose(); });
                seconds[i].Add(timing.MedianSeconds);
                rowsPerSample[i] = (double)rows / batch;   // rows of the last call
            }
            matmuls.Add(BenchTimer.MatmulGMacs(ScalarType.Float32, CPU, policy));
        }
        double matmul = BenchTimer.Median(matmuls);
        Console.WriteLine($"LatentGenerator.Sample, batch {batch} (labels cycling over the classes), fp32, {get_num_threads()} threads, medians of {rounds} interleaved rounds");
        Console.WriteLine($"same-run fp32 1024^3 matmul: {matmul:F1} G multiply-adds/s");
        Console.WriteLine($"{"generator",-42} {"sampler",-8} {"cfg",4} {"interval",10} {"DiT rows/sample",15} {"samples/s",9} {"G MAC/s",8} {"x matmul",8}");
        for (int i = 0; i < settings.Count; i++)
        {
            var (file, o) = settings[i];
            double perSecond = batch / BenchTimer.Median(seconds[i]);
            double gmacs = DiTCost.Of(generators[file].Config).MultiplyAdds * rowsPerSample[i] * perSecond / 1e9;
            string interval = o.GuidanceScale == 1 ? "-" : $"[{o.GuidanceFrom:0.##}, {o.GuidanceTo:0.##}]";
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(file),-42} {$"{o.Sampler.ToString().ToLowerInvariant()} {o.Steps}",-8} {o.GuidanceScale,4} {interval,10} {rowsPerSample[i],15:F0} {perSecond,9:F1} {gmacs,8:F1} {gmacs / matmul,8:F2}");
        }
        foreach (var g in generators.Values) g.Dispose();
    }
}
