// %% [markdown]
// # Evaluation: the shipped tokenizers on held-out data
//
// **Fashion-MNIST** (`vitok-fmnist-t8-c8`, E = 128 numbers per 32x32 image): the bundled 1,000 items of the *test*
// split, which the tokenizer never saw (it was trained on the train split). Items 0-499 fit the PCA baseline; items
// 500-999 are the evaluation set for every method. **Photos** (`vitok-photos-t8-c8`, E = 512 per 64x64 image): the
// 8 bundled photos, all from the tokenizer's held-out part (`models/make-photo-split.sh`).
//
// Baselines at the same E: **PCA** (k = E principal components fitted on the 500 fitting items) and a **thumbnail**
// (the largest square thumbnail of at most E numbers, area-averaged, enlarged back bilinearly). FD-ResNet18 is
// computed on the first 64 evaluation items only (the ResNet18 runs at its 224x224 input, a few images a second per
// core), so it is biased upwards and only comparable within this table. Small subsets keep this notebook near a
// minute on 2 cores; `vitok reconstruct` measures the full test split (see `models/README.md`).
// %%
#load "setup.csx"
#r "nuget: ScottPlot, 5.1.59"
// %%
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using ViTok.Models.Baselines;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Tokenizer;

const int FitItems = 500, EvalItems = 500, FdItems = 64;
var fmnist = new FashionMnistSource(new FashionMnistOptions { Directory = Repo("samples", "fashion-mnist"), Split = FashionMnistSplit.Test });
Tensor Images(IClipSource source, int first, int count) =>                       // [N, 3, H, W] in [-1, 1]
    ClipTensors.Stack(Enumerable.Range(first, count).Select(i => source.Read(i, new Random(0))).ToList()).select(2, 0);
var fitSet = Images(fmnist, 0, FitItems);
var evalSet = Images(fmnist, FitItems, EvalItems);
var tokenizer = TokenizerFile.Load(Repo("models", "vitok-fmnist-t8-c8.safetensors"));
long e = tokenizer.Config.BottleneckSize;
$"{tokenizer.Config.Variant} c = {tokenizer.Config.Channels}: E = {e}; fitting set {fitSet.shape[0]} items, evaluation set {evalSet.shape[0]} items"
// %% [markdown]
// ## Reconstructions at equal E
// %%
var byTokenizer = FrameByFrame.Reconstruct(tokenizer, evalSet.unsqueeze(2)).select(2, 0);   // an image is a 1-frame clip
var pca = PcaBaseline.Fit(fitSet, (int)e);
var byPca = pca.Reconstruct(evalSet);                                         // clamped to the pixel range
int side = ThumbnailBaseline.Side(e);
var byThumbnail = ThumbnailBaseline.Reconstruct(evalSet, e);

var resnet = FeatureNetwork.ResNet18(Path.Combine(BuildOutput, "Onnx", "ResNet18"));
Tensor Features(Tensor images) { using var _ = no_grad(); return resnet.Features(images[..FdItems]).to(ScalarType.Float64); }
var referenceFeatures = Features(evalSet);
var methods = new[]
{
    (Name: $"ViTok {tokenizer.Config.Variant} c={tokenizer.Config.Channels}", Numbers: e, Images: byTokenizer),
    (Name: $"PCA, {pca.Components} components ({pca.ExplainedVariance:P1} of the fitting variance)", Numbers: (long)pca.Components, Images: byPca),
    (Name: $"thumbnail {side}x{side}x3", Numbers: 3L * side * side, Images: byThumbnail),
};
var perImage = methods.ToDictionary(m => m.Name, m => Psnr.PerItem(evalSet, m.Images));
Table(methods.Select(m => new
{
    Method = m.Name, NumbersPerImage = m.Numbers,
    PsnrDb = Math.Round(perImage[m.Name].Average(), 2),
    Ssim = Math.Round(Ssim.Mean(evalSet, m.Images), 4),
    FdResNet18On64 = Math.Round(FrechetDistance.Compute(referenceFeatures, Features(m.Images)), 1),
}))
// %% [markdown]
// ## Per-image PSNR
// The distribution over the 500 evaluation items, for each method.
// %%
var plot = new ScottPlot.Plot();
var bins = Enumerable.Range(0, 41).Select(i => 10.0 + i * 0.75).ToArray();      // 10 .. 40 dB
foreach (var (m, color) in methods.Zip(new[] { ScottPlot.Colors.C0, ScottPlot.Colors.C1, ScottPlot.Colors.C2 }))
{
    var values = perImage[m.Name];
    var counts = bins[..^1].Select((lo, i) => (double)values.Count(v => v >= lo && v < bins[i + 1])).ToArray();
    var line = plot.Add.ScatterLine(bins[..^1].Select(b => b + 0.375).ToArray(), counts);
    line.Color = color; line.LineWidth = 2; line.LegendText = $"{m.Name.Split(" (")[0]}: mean {values.Average():F2} dB";
}
plot.XLabel("PSNR (dB)"); plot.YLabel("images per 0.75 dB bin"); plot.Title($"Fashion-MNIST, {EvalItems} held-out test items, E = {e}");
plot.ShowLegend(ScottPlot.Alignment.UpperRight);
new Png(plot.GetImageBytes(760, 380, ScottPlot.ImageFormat.Png))
// %% [markdown]
// ## Best and worst reconstructions
// By the tokenizer's PSNR. Each row: original, ViTok, PCA, thumbnail; left block the 8 best, right block the 8 worst.
// %%
var order = perImage[methods[0].Name].Select((p, i) => (p, i)).OrderByDescending(x => x.p).Select(x => x.i).ToArray();
IReadOnlyList<Tensor> Row(int i) => [evalSet[i], byTokenizer[i], byPca[i], byThumbnail[i]];
var grid = Enumerable.Range(0, 8).Select(k => (IReadOnlyList<Tensor>)Row(order[k]).Concat(Row(order[^(k + 1)])).ToList()).ToList();
display(Table(Enumerable.Range(0, 8).Select(k => new
{
    Best = fmnist.ClassNames[fmnist.LabelOf(FitItems + order[k])], BestPsnrDb = Math.Round(perImage[methods[0].Name][order[k]], 2),
    Worst = fmnist.ClassNames[fmnist.LabelOf(FitItems + order[^(k + 1)])], WorstPsnrDb = Math.Round(perImage[methods[0].Name][order[^(k + 1)]], 2),
})));
new Png(ImageGrid.ToPng(grid))
// %% [markdown]
// ## Photos
// The photo tokenizer on the 8 held-out photos (64x64 centre crops), against a thumbnail of at most 512 numbers. PCA
// needs more fitting images than its 512 components, which 8 photos cannot give, so it is left out here (models/README.md
// has it, and JPEG, on all 30 held-out photos with `vitok baselines`). The photo tokenizer is small (3.6 M parameters)
// and was trained for 4,000 steps on 273 photos (`models/README.md`). Each row of the picture: two photos, each as
// original, ViTok, thumbnail.
// %%
var photoSource = new ImageFolderSource(Repo("samples", "photos"), new ImageFolderOptions { Transform = ImageTransform.ResizeAndCrop(64) });
var photos = Images(photoSource, 0, photoSource.Count);
var photoTokenizer = TokenizerFile.Load(Repo("models", "vitok-photos-t8-c8.safetensors"));
long photoE = photoTokenizer.Config.BottleneckSize;
int photoSide = ThumbnailBaseline.Side(photoE);
var photoByTokenizer = FrameByFrame.Reconstruct(photoTokenizer, photos.unsqueeze(2)).select(2, 0);
var photoByThumbnail = ThumbnailBaseline.Reconstruct(photos, photoE);
display(Table(new[]
{
    new { Method = $"ViTok {photoTokenizer.Config.Variant} c={photoTokenizer.Config.Channels}", NumbersPerImage = photoE,
          PsnrDb = Math.Round(Psnr.Mean(photos, photoByTokenizer), 2), Ssim = Math.Round(Ssim.Mean(photos, photoByTokenizer), 4) },
    new { Method = $"thumbnail {photoSide}x{photoSide}x3", NumbersPerImage = 3L * photoSide * photoSide,
          PsnrDb = Math.Round(Psnr.Mean(photos, photoByThumbnail), 2), Ssim = Math.Round(Ssim.Mean(photos, photoByThumbnail), 4) },
}));
new Png(ImageGrid.ToPng(Enumerable.Range(0, (int)photos.shape[0]).Select(i => (IReadOnlyList<Tensor>)[photos[i], photoByTokenizer[i], photoByThumbnail[i]])
    .Chunk(2).Select(pair => (IReadOnlyList<Tensor>)pair.SelectMany(r => r).ToList()).ToList()))
