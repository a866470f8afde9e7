// %% [markdown]
// # Quickstart: ViTok in an ML.NET pipeline
//
// The shipped tokenizers on the bundled samples (`samples/photos`, 8 photos; `samples/fashion-mnist`, the first
// 1,000 Fashion-MNIST test items), through the ML.NET components as a user calls them: tokenize, decode, look at the
// reconstructions, read the latents into a DataFrame, train an ML.NET classifier on latents against one on pixels, and
// save and reload the pipeline. Everything runs on the CPU in well under a minute; `notebooks/run` executes it.
// %%
#load "setup.csx"
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ViTok.MLNet;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Tokenizer;

var photoTokenizer = Repo("models", "vitok-photos-t8-c8.safetensors");
var fmnistTokenizer = Repo("models", "vitok-fmnist-t8-c8.safetensors");
var config = TokenizerFile.ReadConfig(photoTokenizer);
$"{config.Variant}, c = {config.Channels}, {config.ImageSize}x{config.ImageSize} pixels -> {config.Tokens} tokens x {config.Channels} = E = {config.BottleneckSize} numbers"
// %% [markdown]
// ## Tokenize and decode photos
// `LoadImages -> ResizeImages -> TokenizeImages -> DecodeLatents`, the README's pipeline. `ExtractPixels` turns the
// original and the decoded `MLImage` into pixel vectors for the metrics and the picture.
// %%
public sealed class PhotoRow { public string File { get; set; } = ""; }
var ml = new MLContext(seed: 1);
var photoFolder = Repo("samples", "photos");
var photos = ml.Data.LoadFromEnumerable(Directory.GetFiles(photoFolder, "*.jpg").Order(StringComparer.Ordinal)
    .Select(f => new PhotoRow { File = Path.GetFileName(f) }).ToArray());
var photoPipeline = ml.Transforms.LoadImages("Image", photoFolder, nameof(PhotoRow.File))
    .Append(ml.Transforms.ResizeImages("Image", config.ImageSize, config.ImageSize, resizing: ImageResizingEstimator.ResizingKind.IsoCrop))
    .Append(ml.Transforms.TokenizeImages("Latent", photoTokenizer, "Image"))          // [tokens, c]
    .Append(ml.Transforms.DecodeLatents("Decoded", photoTokenizer, "Latent"))         // MLImage
    .Append(ml.Transforms.ExtractPixels("Original", "Image"))
    .Append(ml.Transforms.ExtractPixels("Reconstruction", "Decoded"));
var photoModel = photoPipeline.Fit(photos);
var photoOutput = photoModel.Transform(photos);

// ExtractPixels gives 0..255 planes [3, H, W]; ReadImages makes them [N, 3, H, W] in [-1, 1] for metrics and grids.
var originals = photoOutput.ReadImages("Original", config.ImageSize, config.ImageSize);
var reconstructions = photoOutput.ReadImages("Reconstruction", config.ImageSize, config.ImageSize);
new Png(ImageGrid.ToPng(ImageGrid.Pairs(originals, reconstructions, 4)))
// %% [markdown]
// Each pair: the original (64x64 centre crop) and its reconstruction from 512 numbers. The photo tokenizer is small
// and briefly trained (see `models/README.md`), so it is blurry.
// %%
var files = photos.GetColumn<string>(nameof(PhotoRow.File)).ToArray();
var psnr = Psnr.PerItem(originals, reconstructions);
var ssim = Ssim.PerItem(originals, reconstructions);
display(Table(files.Select((f, i) => new { File = f, PsnrDb = Math.Round(psnr[i], 2), Ssim = Math.Round(ssim[i], 4) })));
$"mean PSNR {psnr.Average():F2} dB, mean SSIM {ssim.Average():F4}"
// %% [markdown]
// ## Latents in a DataFrame
// `ToShapedDataFrame` reads columns into a `Microsoft.Data.Analysis.DataFrame` and keeps the latent's dimensions.
// %%
var table = photoOutput.ToShapedDataFrame("File", "Latent");
var latentColumn = table.Frame.Columns["Latent"];
display(Table(new[] { new { Rows = table.Frame.Rows.Count, Columns = string.Join(", ", table.Frame.Columns.Select(c => $"{c.Name} ({c.DataType.Name})")),
              LatentShape = "[" + string.Join(", ", table.ShapeOf("Latent")) + "]" } }));
Table(Enumerable.Range(0, 4).Select(r => new { File = table.Frame.Columns["File"][r],
    First8Numbers = string.Join("  ", ((VBuffer<float>)latentColumn[r]).DenseValues().Take(8).Select(v => v.ToString("F3"))) }))
// %% [markdown]
// ## A classifier on latents against one on pixels
// Fashion-MNIST: the first 800 bundled test items train `SdcaMaximumEntropy`, the other 200 test it; once on the
// fmnist tokenizer's 128 latent numbers, once on the 3,072 pixel numbers. `AppendCacheCheckpoint` tokenizes once.
// %%
public sealed class ItemRow
{
    [VectorType(3 * 32 * 32)] public float[] Pixels { get; set; } = [];
    public string Label { get; set; } = "";
}
var fmnist = new FashionMnistSource(new FashionMnistOptions { Directory = Repo("samples", "fashion-mnist"), Split = FashionMnistSplit.Test });
var itemRows = Enumerable.Range(0, fmnist.Count).Select(i =>
{
    var clip = fmnist.Read(i, new Random(0));
    return new ItemRow { Pixels = clip.Pixels.Select(v => (v + 1f) * 127.5f).ToArray(), Label = fmnist.ClassNames[clip.Label] };
}).ToArray();
var train = ml.Data.LoadFromEnumerable(itemRows[..800]);
var test = ml.Data.LoadFromEnumerable(itemRows[800..]);

var tokenize = ml.Transforms.TokenizeImages("Latent", fmnistTokenizer, nameof(ItemRow.Pixels));
var onLatents = tokenize.AppendCacheCheckpoint(ml)
    .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ItemRow.Label)))
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Latent", maximumNumberOfIterations: 30));
var onPixels = ml.Transforms.NormalizeMinMax("Scaled", nameof(ItemRow.Pixels)).AppendCacheCheckpoint(ml)
    .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ItemRow.Label)))
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Scaled", maximumNumberOfIterations: 30));
var latentModel = onLatents.Fit(train);
var pixelModel = onPixels.Fit(train);
var latentMetrics = ml.MulticlassClassification.Evaluate(latentModel.Transform(test), "LabelKey");
var pixelMetrics = ml.MulticlassClassification.Evaluate(pixelModel.Transform(test), "LabelKey");
Table(new[]
{
    new { Features = "ViTok latents (128 numbers)", Accuracy = Math.Round(latentMetrics.MicroAccuracy, 3), LogLoss = Math.Round(latentMetrics.LogLoss, 3) },
    new { Features = "raw pixels (3,072 numbers)", Accuracy = Math.Round(pixelMetrics.MicroAccuracy, 3), LogLoss = Math.Round(pixelMetrics.LogLoss, 3) },
})
// %% [markdown]
// ## Save and reload
// `ml.SaveWithViTok` writes the tokenizer's weights inside the zip; `LoadWithViTok` reads it back. The reloaded pipeline
// gives the same latents, bit for bit.
// %%
var zip = Path.Combine(Path.GetTempPath(), $"vitok-quickstart-{Environment.ProcessId}.zip");
ml.SaveWithViTok(latentModel, train.Schema, zip);
var reloaded = ml.LoadWithViTok(zip, out var reloadedSchema);
float[] LatentsOf(ITransformer model) => model.Transform(test).GetColumn<VBuffer<float>>("Latent").SelectMany(v => v.DenseValues()).ToArray();
var before = LatentsOf(latentModel);
var after = LatentsOf(reloaded);
var reloadedAccuracy = ml.MulticlassClassification.Evaluate(reloaded.Transform(test), "LabelKey").MicroAccuracy;
var sizeMb = new FileInfo(zip).Length / 1e6;
File.Delete(zip);
Table(new[] { new { ZipMegabytes = Math.Round(sizeMb, 1), LatentsIdentical = before.SequenceEqual(after), LatentNumbers = before.Length,
      AccuracyAfterReload = Math.Round(reloadedAccuracy, 3) } })
