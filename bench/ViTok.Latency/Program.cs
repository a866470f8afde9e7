// Row-at-a-time (PredictionEngine) versus batched latency and throughput of a TokenizeImages pipeline with default
// options, plus the same with explicit thread counts for comparison. Measures the whole pipeline per row: LoadImages
// (decode a JPEG), ResizeImages to 64x64, TokenizeImages with the shipped photo tokenizer (T-T/16, 16 tokens x 32).
// Usage: dotnet run -c Release --project bench/ViTok.Latency -- [rows (default 64)] [repetitions (default 5)]
// The configurations run interleaved, repetition by repetition, so machine load drifts affect them alike; each
// figure is the median over repetitions. Results and the acceptance ratio: docs/benchmarks.md.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Runtime;

int rows = args.Length > 0 ? int.Parse(args[0]) : 64;
int repetitions = args.Length > 1 ? int.Parse(args[1]) : 5;
string folder = Path.Combine(AppContext.BaseDirectory, "photos");
var files = Directory.GetFiles(folder, "*.jpg").Order().Select(Path.GetFileName).ToArray();
var inputs = Enumerable.Range(0, rows).Select(i => new Photo { File = files[i % files.Length]! }).ToArray();

TorchRuntime.EnsureLoaded();
Console.WriteLine($"date (UTC)      {DateTime.UtcNow:yyyy-MM-dd HH:mm}");
Console.WriteLine($"machine         {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"torch threads   {torch.get_num_threads()} (process default)");
Console.WriteLine($"rows            {rows} per pass ({files.Length} sample photos repeated), {repetitions} repetitions, medians");

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(inputs);
string tokenizer = ViTokModels.Path(ViTokModels.PhotoTokenizer);
ITransformer Model(int threads) => ml.Transforms.LoadImages("Image", folder, nameof(Photo.File))
    .Append(ml.Transforms.ResizeImages("Image", 64, 64))
    .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
    {
        OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = tokenizer, Threads = threads,   // BatchSize: default 32
    }))
    .Fit(data);
ITransformer Loading() => ml.Transforms.LoadImages("Image", folder, nameof(Photo.File)).Append(ml.Transforms.ResizeImages("Image", 64, 64)).Fit(data);

var configs = new (string Name, int Threads)[] { ("default (Threads = 0)", 0), ("Threads = 1", 1), ("Threads = 2", 2) };
var models = configs.Select(c => Model(c.Threads)).ToArray();
var loading = Loading();
var engines = models.Select(m => ml.Model.CreatePredictionEngine<Photo, Output>(m)).ToArray();

double BatchedMsPerRow(ITransformer model, string column)
{
    // A batched pass over every row, reading each row's value (reading is what runs the forward passes).
    var view = model.Transform(data);
    var sw = Stopwatch.StartNew();
    int n = column == "Latent" ? view.GetColumn<VBuffer<float>>(column).Count() : view.GetColumn<MLImage>(column).Count();
    return sw.Elapsed.TotalMilliseconds / n;
}
double EngineMsPerRow(PredictionEngine<Photo, Output> engine)
{
    var sw = Stopwatch.StartNew();
    foreach (var input in inputs) _ = engine.Predict(input).Latent.Length;
    return sw.Elapsed.TotalMilliseconds / inputs.Length;
}

// Warm-up: one pass of each (first use loads images, JIT-compiles, allocates torch buffers).
foreach (var m in models) BatchedMsPerRow(m, "Latent");
foreach (var e in engines) EngineMsPerRow(e);

var batched = configs.Select(_ => new List<double>()).ToArray();
var single = configs.Select(_ => new List<double>()).ToArray();
var load = new List<double>();
for (int r = 0; r < repetitions; r++)
{
    load.Add(BatchedMsPerRow(loading, "Image"));
    for (int c = 0; c < configs.Length; c++)
    {
        batched[c].Add(BatchedMsPerRow(models[c], "Latent"));
        single[c].Add(EngineMsPerRow(engines[c]));
    }
}
static double Median(List<double> v) { var s = v.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }

Console.WriteLine();
Console.WriteLine($"{"configuration",-24} {"batch of 32: ms/row",20} {"rows/s",8} {"PredictionEngine: ms/row",25} {"rows/s",8} {"ratio 1/32",11}");
for (int c = 0; c < configs.Length; c++)
{
    double b = Median(batched[c]), s = Median(single[c]);
    Console.WriteLine($"{configs[c].Name,-24} {b,20:F2} {1000 / b,8:F1} {s,25:F2} {1000 / s,8:F1} {s / b,11:F2}");
}
Console.WriteLine($"(loading + resizing alone, no tokenizer: {Median(load):F2} ms/row)");
double ratio = Median(single[0]) / Median(batched[0]);
Console.WriteLine($"acceptance: PredictionEngine row / batched row with default options = {ratio:F2} (limit 2.00): {(ratio <= 2 ? "met" : "NOT met")}");
foreach (var e in engines) e.Dispose();
return 0;

public sealed class Photo
{
    public string File { get; set; } = "";
}

public sealed class Output
{
    public float[] Latent { get; set; } = [];
}
