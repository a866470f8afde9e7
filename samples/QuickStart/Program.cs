// <quickstart>
using Microsoft.ML;
using ViTok.MLNet;

// JPEG photos from a folder: the command line's first argument, or the sample photos copied next to the program.
string folder = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "photos");
var mlContext = new MLContext();
var photos = mlContext.Data.LoadFromEnumerable(
    Directory.GetFiles(folder, "*.jpg").Order().Select(f => new Photo { File = Path.GetFileName(f) }));

// Read (with the command line's guards against bad files), resize and crop to the tokenizer's 64x64, encode to
// 64 tokens x 8 channels, decode back to pixels.
string tokenizer = ViTokModels.Path(ViTokModels.PhotoTokenizer);
var pipeline = mlContext.Transforms.ReadImages("Image", folder, nameof(Photo.File), imageSize: 64)
    .Append(mlContext.Transforms.ExtractPixels("Pixels", "Image"))
    .Append(mlContext.Transforms.TokenizeImages("Latent", tokenizer, "Image"))
    .Append(mlContext.Transforms.DecodeLatents(new DecodeLatentsOptions
    {
        OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = tokenizer, Output = DecodedOutput.PixelVector,
    }));
var model = pipeline.Fit(photos);
var rows = mlContext.Data.CreateEnumerable<Result>(model.Transform(photos), reuseRowObject: false).ToList();
foreach (var row in rows)
    Console.WriteLine($"{row.File}: {row.Latent.Length} latent values, reconstruction PSNR {Psnr(row.Pixels, row.Decoded):F1} dB");

// Save the pipeline (the tokenizer's weights go into the zip) and load it back with LoadWithViTok.
mlContext.SaveWithViTok(model, photos.Schema, "photo-pipeline.zip");
var loaded = mlContext.LoadWithViTok("photo-pipeline.zip", out _);
var again = mlContext.Data.CreateEnumerable<Result>(loaded.Transform(photos), reuseRowObject: false).ToList();
bool same = rows.Zip(again).All(p => p.First.Latent.SequenceEqual(p.Second.Latent));
Console.WriteLine(same ? $"Reloaded pipeline: identical latents for {rows.Count} photos." : "Reloaded pipeline: latents differ!");
return same && rows.Count > 0 ? 0 : 1;

// PSNR of 8-bit pixel values.
static double Psnr(float[] a, float[] b) =>
    10 * Math.Log10(255.0 * 255.0 / a.Zip(b).Average(p => Math.Pow(p.First - Math.Clamp(p.Second, 0, 255), 2)));

public sealed class Photo
{
    public string File { get; set; } = "";
}

public sealed class Result
{
    public string File { get; set; } = "";
    public float[] Latent { get; set; } = [];
    public float[] Pixels { get; set; } = [];
    public float[] Decoded { get; set; } = [];
}
// </quickstart>
