using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.MLNet;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

// ML.NET pipeline benchmark (not a test): latents/s of TokenizeImages against the raw batched model, against the same
// transform at batch size 1, and against ML.NET's DnnFeaturizeImage ResNet18, all in one run (models loaded and
// pipelines fitted outside the timed passes; two timed passes after a warm-up); then memory over a
// long stream of rows. Usage: dotnet run -c Release --project bench/ViTok.Benchmarks -- [variant] [size] [rows] [memoryRows] [repetitions] [threads (0 = one per core)]
// `-- vs-onnx ...` compares TokenizeImages with ResNet18 on ONNX Runtime at equal threads instead (VersusOnnx.cs).
if (args.Length > 0 && args[0] == "vs-onnx")
{
    ViTok.Benchmarks.VersusOnnx.Run(args[1..]);
    return;
}
string variant = args.Length > 0 ? args[0] : "S-B/16";
int size = args.Length > 1 ? int.Parse(args[1]) : 224;
int rows = args.Length > 2 ? int.Parse(args[2]) : 128;
int memoryRows = args.Length > 3 ? int.Parse(args[3]) : 100_000;
int repetitions = args.Length > 4 ? int.Parse(args[4]) : 7;
int threads = args.Length > 5 ? int.Parse(args[5]) : 0;
const int Batch = 32;

TorchRuntime.Resolve(new ComputeOptions { Threads = threads });
random.manual_seed(0);
string folder = Directory.CreateTempSubdirectory("vitok-bench-").FullName;
string tokenizer = Path.Combine(folder, "tokenizer.safetensors");
var config = ViTokConfig.FromVariant(variant, channels: 16, imageSize: size);
using (var m = new ViTokAutoEncoder(config)) TokenizerFile.Save(m, tokenizer);
Console.WriteLine($"{variant} encoder at {size}x{size} ({TokenizerCost.Of(config).Encoder.GFlops:F2} G multiply-adds per image), {rows} rows, batch {Batch}, {get_num_threads()} threads");

// Inputs: random smooth images as PNG files (for the image pipelines) and as pixel vectors (for the transform alone).
var rng = new Random(1);
var pixelRows = new List<PixelRow>();
var fileRows = new List<FileRow>();
for (int i = 0; i < rows; i++)
{
    using var image = new Image<Rgb24>(size, size);
    int r0 = rng.Next(256), g0 = rng.Next(256), b0 = rng.Next(256);
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            image[x, y] = new Rgb24((byte)((r0 + x) % 256), (byte)((g0 + y) % 256), (byte)((b0 + x + y) % 256));
    string file = $"{i:D5}.png";
    image.SaveAsPng(Path.Combine(folder, file));
    fileRows.Add(new FileRow { File = file });
    pixelRows.Add(new PixelRow { Pixels = ClipPixels.FromImage(image).Select(v => (v + 1f) * 127.5f).ToArray() });
}

var ml = new MLContext(seed: 0);
var pixels = ml.Data.LoadFromEnumerable(pixelRows, SchemaFor(ml, size));
var files = ml.Data.LoadFromEnumerable(fileRows);

double Seconds(Action run)
{
    var clock = Stopwatch.StartNew();
    run();
    return clock.Elapsed.TotalSeconds;
}

double Rate(Action run)
{
    run();                                            // warm-up pass
    return 2 * rows / (Seconds(run) + Seconds(run));
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    int n = sorted.Length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

void Consume(IDataView view, string column)
{
    using var cursor = view.GetRowCursor([view.Schema[column]]);
    var getter = cursor.GetGetter<VBuffer<float>>(view.Schema[column]);
    VBuffer<float> value = default;
    while (cursor.MoveNext()) getter(ref value);
}

// Models are loaded and pipelines fitted before timing: the timed passes measure streaming rows only.
// 1. Raw batched forward on the same pixel arrays (no ML.NET).
using var inference = new TokenizerInference(TokenizerFile.Load(tokenizer), CPU);
var inputs = pixelRows.Select(r => r.Pixels.Select(v => v / 127.5f - 1f).ToArray()).ToArray();

// 2. The ML.NET transform over pixel vectors, batch 32 and batch 1.
ITransformer Tokenize(int batch) => ml.Transforms.TokenizeImages("Latent", tokenizer, "Pixels", batchSize: batch).Fit(pixels);
var rawPixels = inference.PixelBuffer(Batch);
var rawLatents = inference.LatentBuffer(Batch);
void Raw()
{
    for (int i = 0; i < rows; i += Batch)
    {
        int n = Math.Min(Batch, rows - i);
        for (int k = 0; k < n; k++) inputs[i + k].CopyTo(rawPixels.Slot(k));
        inference.Encode(rawPixels, n, rawLatents);
    }
}
var transform32 = Tokenize(Batch);
void Batched() => Consume(transform32.Transform(pixels), "Latent");
// The overhead: raw and transform passes interleaved (the order alternating) so that drift in machine speed hits
// both alike; medians over the repetitions, and the median of the per-repetition ratios.
Raw();
Batched();
var rawTimes = new List<double>();
var transformTimes = new List<double>();
var rawCpu = new List<double>();
var transformCpu = new List<double>();
// Wall time and this process's CPU time per pass: CPU time is what the work costs, and is far less disturbed than
// wall time when other processes share the cores.
void Timed(Action run, List<double> wall, List<double> cpu)
{
    var before = Process.GetCurrentProcess().TotalProcessorTime;
    wall.Add(Seconds(run));
    cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds);
}
for (int rep = 0; rep < repetitions; rep++)
{
    if (rep % 2 == 0) { Timed(Raw, rawTimes, rawCpu); Timed(Batched, transformTimes, transformCpu); }
    else { Timed(Batched, transformTimes, transformCpu); Timed(Raw, rawTimes, rawCpu); }
}
var raw = rows / Median(rawTimes);
var batched = rows / Median(transformTimes);
var ratio = Median(rawTimes.Zip(transformTimes, (r, t) => r / t));
var cpuRatio = Median(rawCpu.Zip(transformCpu, (r, t) => r / t));
Console.WriteLine($"per repetition, wall seconds for {rows} rows (raw / transform): " +
    string.Join("  ", rawTimes.Zip(transformTimes, (r, t) => $"{r:F2}/{t:F2}")));
Console.WriteLine($"per repetition, CPU seconds for {rows} rows (raw / transform): " +
    string.Join("  ", rawCpu.Zip(transformCpu, (r, t) => $"{r:F2}/{t:F2}")));
var transform1 = Tokenize(1);
var single = Rate(() => Consume(transform1.Transform(pixels), "Latent"));
// 3. Image files end to end: ViTok vs DnnFeaturizeImage ResNet18 (LoadImages -> ResizeImages -> ...).
var vitokPipeline = ml.Transforms.LoadImages("Image", folder, "File")
    .Append(ml.Transforms.ResizeImages("Image", size, size))
    .Append(ml.Transforms.TokenizeImages("Latent", tokenizer, "Image", batchSize: Batch)).Fit(files);
var vitokImages = Rate(() => Consume(vitokPipeline.Transform(files), "Latent"));
// ResNet18 takes 224x224 images only: at other sizes (a small model's overhead run) its line is left out.
double? resnet = null;
if (size == 224)
{
    var resnetPipeline = ml.Transforms.LoadImages("Image", folder, "File")
        .Append(ml.Transforms.ResizeImages("Image", size, size))
        .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
        .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels"))
        .Fit(files);
    resnet = Rate(() => Consume(resnetPipeline.Transform(files), "Features"));
}

Console.WriteLine($"{"path",-58} {"rows/s",8} {"vs raw",7}");
void Line(string name, double rate) => Console.WriteLine($"{name,-58} {rate,8:F2} {rate / raw,7:F3}");
Line("raw batched model forward (TokenizerInference, batch 32)", raw);
Line("ML.NET TokenizeImages on pixel vectors, batch 32", batched);
Line("ML.NET TokenizeImages on pixel vectors, batch 1", single);
Line("ML.NET LoadImages+ResizeImages+TokenizeImages, batch 32", vitokImages);
if (resnet is double r) Line("ML.NET LoadImages+ResizeImages+ExtractPixels+DnnFeaturizeImage(ResNet18)", r);
Console.WriteLine($"transform overhead over the raw forward (median of {repetitions} interleaved repetitions): wall time {(1 / ratio - 1) * 100:F1} %, CPU time {(1 / cpuRatio - 1) * 100:F1} %");

// 4. Memory over a long stream (tiny model, synthetic rows generated on the fly).
string tiny = Path.Combine(folder, "tiny.safetensors");
using (var m = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(m, tiny);
var stream = new ClipSourceDataView(new SyntheticImageSource(new SyntheticImageOptions { Count = memoryRows, Height = 16, Width = 16 }), 1, 16, 16);
var latents = ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Latent", InputColumnName = "Pixels", TokenizerPath = tiny, PixelScale = 1, PixelOffset = 0 })
    .Fit(stream).Transform(stream);
using (var cursor = latents.GetRowCursor([latents.Schema["Latent"]]))
{
    var getter = cursor.GetGetter<VBuffer<float>>(latents.Schema["Latent"]);
    VBuffer<float> value = default;
    long n = 0;
    while (cursor.MoveNext())
    {
        getter(ref value);
        if (++n % (memoryRows / 5) == 0)
        {
            GC.Collect();
            Console.WriteLine($"memory after {n,7} rows: working set {Process.GetCurrentProcess().WorkingSet64 / 1e6,7:F1} MB, managed {GC.GetTotalMemory(true) / 1e6,6:F1} MB");
        }
    }
}
Directory.Delete(folder, recursive: true);

static SchemaDefinition SchemaFor(MLContext ml, int size)
{
    var schema = SchemaDefinition.Create(typeof(PixelRow));
    schema["Pixels"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3 * size * size);
    return schema;
}

sealed class PixelRow
{
    public float[] Pixels { get; set; } = [];
}

sealed class FileRow
{
    public string File { get; set; } = "";
}
