// %% [markdown]
// # Generation: class-conditional Fashion-MNIST with the shipped DiTs
//
// The two shipped generators (DiT-T on the latents of `vitok-fmnist-t8-c8`; one trained with the paper's DDPM
// objective, one with flow matching) measured over samplers, step counts and guidance scales, from the result files in
// `notebooks/results/`, which these commands wrote (from the repository root, after `dotnet build src/ViTok.Cli -c Release`;
// about 10 and 22 minutes of wall time on 2 shared cores):
//
// ```bash
// vitok generate --model models/vitok-fmnist-dit-t-ddpm.safetensors --tokenizer models/vitok-fmnist-t8-c8.safetensors \
//   --count 50 --sampler ddim,ddpm --steps 10,25 --cfg 1,2,4 --seed 0 \
//   --evaluate "fashion-mnist:samples/fashion-mnist?split=test" --classifier fmnist --no-fd --no-images \
//   --out /tmp/nb-sweep-ddpm --threads 1
// cp /tmp/nb-sweep-ddpm/samples.json notebooks/results/generation-sweep-ddpm.json
// # the same with models/vitok-fmnist-dit-t-flow.safetensors, --sampler euler,heun, --out /tmp/nb-sweep-flow,
// # copied to notebooks/results/generation-sweep-flow.json
// ```
//
// Each set: 50 samples of each of the 10 classes (500), scored by the shipped Fashion-MNIST classifier (its accuracy on real
// test images: models/README.md) against the 1,000 bundled test items: **IS** (its Inception Score, 10 at most), **FD-clf** (Frechet
// distance in its 128-d features) and **class accuracy** (share of samples it labels with the class asked for).
// A small live run at the end draws and scores a subset again in this notebook.
// %%
#load "setup.csx"
#r "nuget: ScottPlot, 5.1.59"
// %%
using System.IO;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using ViTok.Models.Clips;
using ViTok.Models.Generation;
using ViTok.Models.Metrics;
using ViTok.Models.Tokenizer;

public sealed record SetResult(string Generator, string Sampler, int Steps, double Cfg, double IS, double FdClassifier, double ClassAccuracy, double Seconds);
IEnumerable<SetResult> ReadSweep(string file)
{
    using var json = JsonDocument.Parse(File.ReadAllText(file));
    foreach (var set in json.RootElement.EnumerateArray())
        yield return new SetResult(Path.GetFileNameWithoutExtension(set.GetProperty("generator").GetString()!).Replace("vitok-fmnist-dit-t-", ""),
            set.GetProperty("sampler").GetString()!, set.GetProperty("steps").GetInt32(), set.GetProperty("cfg").GetDouble(),
            set.GetProperty("is").GetDouble(), set.GetProperty("fd_classifier").GetDouble(), set.GetProperty("class_accuracy").GetDouble(),
            set.GetProperty("seconds").GetDouble());
}
var results = ReadSweep(Repo("notebooks", "results", "generation-sweep-ddpm.json"))
    .Concat(ReadSweep(Repo("notebooks", "results", "generation-sweep-flow.json"))).ToList();
Table(results.Select(r => new { r.Generator, r.Sampler, r.Steps, r.Cfg, IS = Math.Round(r.IS, 2), FdClf = Math.Round(r.FdClassifier, 2),
                                 ClassAccuracy = Math.Round(r.ClassAccuracy, 3) }))
// %% [markdown]
// ## Samplers x steps x guidance
// One line per sampler and step count, over the guidance scale (1 = the conditional model alone).
// %%
Png Chart(string title, string label, Func<SetResult, double> metric)
{
    var plot = new ScottPlot.Plot();
    foreach (var group in results.GroupBy(r => (r.Sampler, r.Steps)))
    {
        var points = group.OrderBy(r => r.Cfg).ToArray();
        var line = plot.Add.Scatter(points.Select(r => r.Cfg).ToArray(), points.Select(metric).ToArray());
        line.LegendText = $"{group.Key.Sampler} {group.Key.Steps} steps";
        line.LinePattern = group.Key.Steps == 10 ? ScottPlot.LinePattern.Dashed : ScottPlot.LinePattern.Solid;
        line.LineWidth = 2; line.MarkerSize = 7;
    }
    plot.Title(title); plot.XLabel("guidance scale"); plot.YLabel(label);
    plot.ShowLegend(ScottPlot.Edge.Right);
    return new Png(plot.GetImageBytes(760, 360, ScottPlot.ImageFormat.Png));
}
display(Chart("Inception Score (classifier)", "IS", r => r.IS));
display(Chart("Frechet distance in classifier features", "FD-clf (lower is better)", r => r.FdClassifier));
Chart("Class accuracy", "share labelled as the class asked for", r => r.ClassAccuracy)
// %% [markdown]
// In these files guidance raises IS and class accuracy at every setting, and FD-clf is lowest at guidance 2 (at 4 the
// samples are more prototypical and less varied than the real test set). Flow matching with Heun has the lowest FD-clf
// at guidance 1 and 2 (the tables above hold the values).
// These are 500-sample sets against 1,000 reference items, so differences of a few hundredths are noise.
//
// ## A small live run
// Eight samples of each class from each generator (its default sampler, 10 steps, guidance 4, seed 0): a row per class.
// Sample i of a class starts from the noise of (seed 0, i), as in `vitok generate`, so these are the first samples of
// the corresponding sets above.
// %%
var tokenizer = TokenizerFile.Load(Repo("models", "vitok-fmnist-t8-c8.safetensors"));
var classifier = ImageClassifierFile.Load(Repo("models", "fmnist-classifier.safetensors"));
var reference = GeneratedImageMetrics.ReferenceStatistics(classifier,
    new FashionMnistSource(new FashionMnistOptions { Directory = Repo("samples", "fashion-mnist"), Split = FashionMnistSplit.Test }));
const int PerClass = 8, LiveSteps = 10;
const double Guidance = 4;
var live = new List<object>();
foreach (var name in new[] { "ddpm", "flow" })
{
    var generator = GeneratorFile.Load(Repo("models", $"vitok-fmnist-dit-t-{name}.safetensors"));
    var options = new SamplingOptions { Sampler = generator.DefaultSampler, Steps = LiveSteps, GuidanceScale = Guidance, Seed = 0 };
    int classes = generator.ClassNames.Count;
    var images = generator.SampleClasses(tokenizer, Enumerable.Range(0, classes).ToArray(), PerClass, options).select(2, 0);   // [80, 3, 32, 32]
    var requested = Enumerable.Range(0, classes).SelectMany(k => Enumerable.Repeat(k, PerClass)).ToList();
    var rows = Enumerable.Range(0, classes).Select(k => (IReadOnlyList<Tensor>)Enumerable.Range(0, PerClass).Select(i => images[k * PerClass + i]).ToList()).ToList();
    display($"{name}: {options.Sampler}, {LiveSteps} steps, guidance {Guidance}, {images.shape[0]} samples; rows: {string.Join(", ", generator.ClassNames)}");
    display(new Png(ImageGrid.ToPng(rows)));
    var scores = GeneratedImageMetrics.Compute(classifier, images, requested, reference);
    live.Add(new { Generator = name, Sampler = options.Sampler.ToString(), Samples = scores.Count, IS = Math.Round(scores.InceptionScore, 2),
                   FdClf = Math.Round(scores.Fd ?? double.NaN, 2), ClassAccuracy = Math.Round(scores.ClassAccuracy!.Accuracy, 3) });
    generator.Dispose();
}
Table(live)
// %% [markdown]
// With 80 samples the IS (at most the number of classes present per split) and FD-clf are far noisier than the
// 500-sample figures above and not comparable to them; class accuracy is comparable.
