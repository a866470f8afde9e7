using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using ViTok.MLNet;
using ViTok.Models.Benchmarks;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Benchmarks;

/// <summary>
/// Our TokenizeImages against ML.NET's ResNet18 featurizer (the two ONNX graphs DnnFeaturizeImage chains, run by
/// ONNX Runtime through ApplyOnnxModel so that its thread count can be set) at equal intra-op threads, on the same
/// 224x224 pixel-vector column, in multiply-adds per second. Configurations are interleaved round by round; figures are
/// medians over the rounds. Usage: vs-onnx [variants, comma-separated] [rows] [rounds] [threads, comma-separated].
/// </summary>
static class VersusOnnx
{
    /// <summary>ResNet-18 at 224x224: 1.8 G multiply-adds (He et al. 2016, Table 1, where "FLOPs" are multiply-adds;
    /// 1.82 G counting every convolution and the classifier).</summary>
    const double ResNet18GMacs = 1.82;
    const int Size = 224;

    public static void Run(string[] args)
    {
        string[] variants = (args.Length > 0 ? args[0] : "T-T/16,S-B/16").Split(',');
        int rows = args.Length > 1 ? int.Parse(args[1]) : 64;
        int rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
        int[] threadCounts = (args.Length > 3 ? args[3] : "1,2").Split(',').Select(int.Parse).ToArray();

        string folder = Directory.CreateTempSubdirectory("vitok-vs-onnx-").FullName;
        try
        {
            var ml = new MLContext(seed: 0);
            var pixels = PixelRows(ml, rows);
            string models = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
            var paths = new List<(string Name, double GMacs, int Threads, ITransformer Model, string Column)>();
            foreach (int threads in threadCounts)
            {
                foreach (string variant in variants)
                {
                    var config = ViTokConfig.FromVariant(variant, channels: 16, imageSize: Size);
                    string file = Path.Combine(folder, variant.Replace('/', '-') + ".safetensors");
                    if (!File.Exists(file))
                    {
                        random.manual_seed(0);
                        using var m = new ViTokAutoEncoder(config);
                        TokenizerFile.Save(m, file);
                    }
                    var tokenize = ml.Transforms.TokenizeImages(new TokenizeImagesOptions
                    {
                        OutputColumnName = "Latent", InputColumnName = "Pixels", TokenizerPath = file, Threads = threads,
                    }).Fit(pixels);
                    paths.Add(($"ViTok {variant} encoder, TokenizeImages batch {ComponentOptions.Defaults.BatchSize}",
                        TokenizerCost.Of(config).Encoder.GFlops, threads, tokenize, "Latent"));
                }
                // The chain DnnFeaturizeImage builds (ResNet18Extension), with ONNX Runtime's threads set.
                OnnxOptions Graph(string file, string input, string output) => new()
                {
                    ModelFile = Path.Combine(models, file), InputColumns = [input], OutputColumns = [output],
                    IntraOpNumThreads = threads, InterOpNumThreads = 1,
                };
                var resnet = ml.Transforms.CopyColumns("OriginalInput", "Pixels")
                    .Append(ml.Transforms.ApplyOnnxModel(Graph(Path.Combine("ResNetPrepOnnx", "ResNetPreprocess.onnx"), "OriginalInput", "PreprocessedInput")))
                    .Append(ml.Transforms.CopyColumns("Input247", "PreprocessedInput"))
                    .Append(ml.Transforms.ApplyOnnxModel(Graph(Path.Combine("ResNet18Onnx", "ResNet18.onnx"), "Input247", "Pooling395_Output_0")))
                    .Fit(pixels);
                paths.Add(("ML.NET ResNet18 (DnnFeaturizeImage's graphs, ONNX Runtime)", ResNet18GMacs, threads, resnet, "Pooling395_Output_0"));
            }

            // DnnFeaturizeImage itself, as users call it: ONNX Runtime picks its own thread count (threads shown as 0).
            var featurizer = ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels").Fit(pixels);
            paths.Add(("ML.NET DnnFeaturizeImage(ResNet18), ONNX Runtime's default threads", ResNet18GMacs, 0, featurizer, "Features"));

            double matmul1 = MatmulAt(1), matmul2 = threadCounts.Contains(2) ? MatmulAt(2) : double.NaN;
            foreach (var p in paths) Consume(p.Model.Transform(pixels), p.Column);   // warm-up
            var seconds = paths.Select(_ => new List<double>()).ToArray();
            var cpu = paths.Select(_ => new List<double>()).ToArray();   // process CPU seconds per wall second: threads really busy
            for (int round = 0; round < rounds; round++)
            {
                // Alternate the order so that drift in machine speed hits every path alike.
                var order = Enumerable.Range(0, paths.Count);
                foreach (int i in round % 2 == 0 ? order : order.Reverse())
                {
                    var before = Process.GetCurrentProcess().TotalProcessorTime;
                    var clock = Stopwatch.StartNew();
                    Consume(paths[i].Model.Transform(pixels), paths[i].Column);
                    seconds[i].Add(clock.Elapsed.TotalSeconds);
                    cpu[i].Add((Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds / seconds[i][^1]);
                }
            }

            Console.WriteLine($"date (UTC)      {DateTime.UtcNow:yyyy-MM-dd HH:mm}");
            Console.WriteLine($"machine         {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine($"input           {rows} rows of 224x224 pixel vectors (0..255, CHW), {rounds} interleaved rounds, medians");
            Console.WriteLine($"same-run torch fp32 1024^3 matmul: {matmul1:F1} G multiply-adds/s at 1 thread, {matmul2:F1} at 2");
            Console.WriteLine($"{"path",-66} {"threads",7} {"G MAC/img",9} {"img/s",7} {"G MAC/s",8} {"vs ResNet18",11} {"CPU/wall",8}");
            var rate = paths.Select((p, i) => rows / BenchTimer.Median(seconds[i])).ToArray();
            for (int i = 0; i < paths.Count; i++)
            {
                var p = paths[i];
                int peer = paths.FindIndex(q => q.Threads == p.Threads && q.Name.StartsWith("ML.NET", StringComparison.Ordinal));
                if (peer < 0) peer = i;
                // Per-round paired ratio of multiply-add rates against ResNet18 at the same thread count.
                var ratios = seconds[i].Zip(seconds[peer], (s, r) => p.GMacs / s / (paths[peer].GMacs / r)).ToArray();
                Console.WriteLine($"{p.Name,-66} {p.Threads,7} {p.GMacs,9:F2} {rate[i],7:F2} {rate[i] * p.GMacs,8:F1} {BenchTimer.Median(ratios),11:F2} {BenchTimer.Median(cpu[i]),8:F2}");
            }
            Console.WriteLine($"peak RSS        {BenchTimer.PeakRssMb():F0} MB");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static double MatmulAt(int threads)
    {
        int before = get_num_threads();
        set_num_threads(threads);
        try { return BenchTimer.MatmulGMacs(ScalarType.Float32, CPU, new TimingPolicy()); }
        finally { set_num_threads(before); }
    }

    static IDataView PixelRows(MLContext ml, int rows)
    {
        // Smooth random images: the same kind the pipeline benchmark uses.
        var rng = new Random(1);
        var data = new List<PixelVector>();
        for (int i = 0; i < rows; i++)
        {
            var v = new float[3 * Size * Size];
            int r0 = rng.Next(256), g0 = rng.Next(256), b0 = rng.Next(256);
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    int at = y * Size + x;
                    v[at] = (r0 + x) % 256;
                    v[Size * Size + at] = (g0 + y) % 256;
                    v[2 * Size * Size + at] = (b0 + x + y) % 256;
                }
            data.Add(new PixelVector { Pixels = v });
        }
        var schema = SchemaDefinition.Create(typeof(PixelVector));
        schema["Pixels"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, Size, Size);
        return ml.Data.LoadFromEnumerable(data, schema);
    }

    static void Consume(IDataView view, string column)
    {
        using var cursor = view.GetRowCursor([view.Schema[column]]);
        var getter = cursor.GetGetter<VBuffer<float>>(view.Schema[column]);
        VBuffer<float> value = default;
        while (cursor.MoveNext()) getter(ref value);
    }

    sealed class PixelVector
    {
        public float[] Pixels { get; set; } = [];
    }
}
