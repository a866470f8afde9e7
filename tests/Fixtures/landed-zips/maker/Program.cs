// Writes pipelines saved by the library of this checkout, with the inputs they were given and the outputs they gave,
// so a later build can prove it still loads them and computes the same rows (tests/ViTok.MLNet.Tests/LandedZipTests.cs).
// Usage: dotnet run --project tests/Fixtures/landed-zips/maker -c Release -- OUTPUT_FOLDER V2_TINY_FOLDER
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

string outFolder = Path.GetFullPath(args[0]), v2Folder = Path.GetFullPath(args[1]);
Directory.CreateDirectory(outFolder);
string work = Directory.CreateTempSubdirectory("landed-zips-").FullName;
TorchRuntime.EnsureLoaded();
var ml = new MLContext(seed: 1);
var expected = new Dictionary<string, object>();

// 1. TokenizeImages (sampled latents, batch 3) + DecodeLatents (pixel vectors, clamped) on a tiny random tokenizer.
torch.random.manual_seed(21);
string tokenizer = Path.Combine(work, "tiny16.safetensors");
using (var model = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(model, tokenizer);
var rng = new Random(3);
var pixelRows = Enumerable.Range(0, 5).Select(_ => new PixelRow { Pixels = Enumerable.Range(0, 3 * 16 * 16).Select(_ => (float)rng.Next(256)).ToArray() }).ToArray();
var pixels = ml.Data.LoadFromEnumerable(pixelRows, SchemaFor(3 * 16 * 16));
var roundTrip = ml.Transforms.TokenizeImages(new TokenizeImagesOptions
    {
        OutputColumnName = "Latent", InputColumnName = "Pixels", TokenizerPath = tokenizer, BatchSize = 3, Latent = LatentKind.Sample, Seed = 5,
    })
    .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions
    {
        OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = tokenizer, Output = DecodedOutput.PixelVector, BatchSize = 2, ClampPixels = true,
    }))
    .Fit(pixels);
ml.SaveWithViTok(roundTrip, pixels.Schema, Path.Combine(outFolder, "tokenize-decode.zip"));
var rt = roundTrip.Transform(pixels);
expected["tokenize-decode"] = new
{
    Pixels = pixelRows.Select(r => r.Pixels).ToArray(),
    Latent = Column(rt, "Latent"),
    Decoded = Column(rt, "Decoded"),
};

// 2. MapValueToKey + the GenerateLatents that TrainGenerator returns (a tiny DiT trained for 4 steps).
var latentRng = new Random(7);
string[] classes = ["red", "green", "blue"];
var latentRows = Enumerable.Range(0, 12).Select(i => new LatentRow
{
    Label = classes[i % 3],
    Latent = Enumerable.Range(0, 16).Select(j => (j % 4 == i % 3 ? 2f : 0f) + (float)(latentRng.NextDouble() - 0.5)).ToArray(),
}).ToArray();
var latentData = ml.Data.LoadFromEnumerable(latentRows);
var generate = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.TrainGenerator(new TrainGeneratorOptions
    {
        OutputColumnName = "Generated", TokenizerPath = tokenizer, Size = "N", RunFolder = Path.Combine(work, "run"), SamplingSteps = 4, BatchSize = 5,
        Training = new GeneratorTrainingOptions { Steps = 4, BatchSize = 6, LearningRate = 2e-3, LogEvery = 4, CheckpointEvery = 4 },
    }))
    .Fit(latentData);
var labels = ml.Data.LoadFromEnumerable(classes.Concat(classes).Select(c => new LabelRow { Label = c }).ToArray());
ml.SaveWithViTok(generate, labels.Schema, Path.Combine(outFolder, "generate.zip"));
expected["generate"] = new { Labels = classes.Concat(classes).ToArray(), Generated = Column(generate.Transform(labels), "Generated") };

// 3. A tiny ViTok-v2 checkpoint: TokenizeImages on 16x16 images (fixed size) + DecodeLatents.
var v2Rows = Enumerable.Range(0, 3).Select(_ => new PixelRow { Pixels = Enumerable.Range(0, 3 * 16 * 16).Select(_ => (float)rng.Next(256)).ToArray() }).ToArray();
var v2Pixels = ml.Data.LoadFromEnumerable(v2Rows, SchemaFor(3 * 16 * 16));
var toImage = ml.Transforms.ConvertToImage(16, 16, "Image", "Pixels");
var v2 = ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = v2Folder, BatchSize = 2 })
    .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions { OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = v2Folder, Output = DecodedOutput.PixelVector }));
var v2Model = toImage.Append(v2).Fit(v2Pixels);
var v2Out = v2Model.Transform(v2Pixels);
ml.SaveWithViTok(v2Model, v2Pixels.Schema, Path.Combine(outFolder, "v2-tokenize-decode.zip"));
expected["v2-tokenize-decode"] = new { Pixels = v2Rows.Select(r => r.Pixels).ToArray(), Latent = Column(v2Out, "Latent"), Decoded = Column(v2Out, "Decoded") };

File.WriteAllText(Path.Combine(outFolder, "expected.json"), JsonSerializer.Serialize(expected));
Directory.Delete(work, recursive: true);
Console.WriteLine($"wrote {outFolder}");
return;

static float[][] Column(IDataView view, string name) => view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToArray();

static SchemaDefinition SchemaFor(int length)
{
    var schema = SchemaDefinition.Create(typeof(PixelRow));
    schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, length);
    return schema;
}

sealed class PixelRow { public float[] Pixels { get; set; } = []; }
sealed class LatentRow { public string Label { get; set; } = ""; [VectorType(16)] public float[] Latent { get; set; } = []; }
sealed class LabelRow { public string Label { get; set; } = ""; }
