// %% [markdown]
// # The paper's six scaling findings at CPU scale
//
// The ViTok paper's contribution is what scaling does to a tokenizer. This notebook shows each of its six findings
// beside our measurement at a size these 2-core machines train: 2-block ViTs 192 wide (1.9 M parameters) on
// Fashion-MNIST 32x32, 64x64 photo crops and 8-frame sprite clips, 1000 steps each. The rows come from the result files
// that `vitok sweep` writes from the plans in `notebooks/sweeps/` (from the repository root):
//
// ```bash
// notebooks/sweeps/run                      # every plan, resumable; or one: notebooks/sweeps/run notebooks/sweeps/fmnist-scaling.json
// vitok sweep --plan notebooks/sweeps/fmnist-scaling.json --only p8-c16   # re-run one row from scratch and compare
// ```
//
// Each row carries its exact commands, parameters, GFLOPs, wall and CPU time. Verdicts are computed by
// `ScalingAnalysis` (`src/ViTok.Experiments/Experiments`), whose rules and thresholds are written there; the paper's
// numbers come from `notebooks/sweeps/paper.json`, each cited to its figure. Runs not finished yet show as pending.
// %%
#load "setup.csx"
#r "nuget: ScottPlot, 5.1.59"
#r "../src/ViTok.Cli/bin/Release/net10.0/System.CommandLine.dll"
#r "../src/ViTok.Cli/bin/Release/net10.0/vitok.dll"
// %%
using System.IO;
using System.Text.Json.Nodes;
using ViTok.Models.Experiments;
using ViTok.Models.Runtime;

var findings = ScalingFindings.Load(Repo("notebooks", "sweeps"));
var (fmnist, photos, video) = (findings.FashionMnist, findings.Photos, findings.Video);
var paperFile = JsonNode.Parse(File.ReadAllText(Repo("notebooks", "sweeps", "paper.json")))!;
var paper = paperFile["findings"]!;
double N(JsonObject r, string key) => ScalingAnalysis.Value(r, key);
string Cite(int finding) => $"Paper ({paper[finding.ToString()]!["where"]}): \"{paper[finding.ToString()]!["statement"]}\"";
Table(new[] { ("fmnist-scaling", fmnist), ("photos-e-law", photos), ("video-e-law", video) }
    .Select(s => new { Sweep = s.Item1, RowsDone = s.Item2.Rows.Count, CpuHours = Math.Round(s.Item2.Rows.Sum(r => N(r, "cpu_s")) / 3600, 2) }))
// %% [markdown]
// ## Finding 1: E = L x c predicts reconstruction; patch size hardly matters at equal E
// %%
Png EPlot(IEnumerable<JsonObject> rows, string metric, string label, string by, bool logY = false)
{
    var plot = new ScottPlot.Plot();
    foreach (var group in rows.GroupBy(r => N(r, by)).OrderBy(g => g.Key))
    {
        var points = group.OrderBy(r => N(r, "E")).ToArray();
        var line = plot.Add.Scatter(points.Select(r => Math.Log2(N(r, "E"))).ToArray(), points.Select(r => logY ? Math.Log(N(r, metric)) : N(r, metric)).ToArray());
        line.LegendText = $"{by} = {group.Key}"; line.LineWidth = 2; line.MarkerSize = 8;
    }
    plot.XLabel("log2 E"); plot.YLabel(label); plot.ShowLegend(ScottPlot.Alignment.LowerRight);
    return new Png(plot.GetImageBytes(560, 340, ScottPlot.ImageFormat.Png));
}
var eLaw = findings.ELawRows;
display(EPlot(eLaw, "psnr", "PSNR (dB)", "p"));
display(EPlot(eLaw.Where(r => SweepResults.Number(r, "fd_clf") is not null), "fd_clf", "ln FD-clf", "p", logY: true));
Table(eLaw.OrderBy(r => N(r, "p")).ThenBy(r => N(r, "E")).Select(r => new { Run = (string)r["name"]!, p = N(r, "p"), c = N(r, "c"), E = N(r, "E"),
    PSNR = Math.Round(N(r, "psnr"), 2), SSIM = Math.Round(N(r, "ssim"), 4), FdClf = Math.Round(N(r, "fd_clf"), 3), ParamsM = N(r, "params_m.total"), CpuS = N(r, "cpu_s") }))
// %% [markdown]
// R^2 is 1 - SS_res / SS_tot of the least-squares line (`LinearFit`): the share of the variance around the mean that
// the line explains. The paper fits log E against each metric.
// %%
var psnrFit = ScalingAnalysis.FitAgainstLogE(eLaw, "psnr");
var fdFit = ScalingAnalysis.FitAgainstLogE(eLaw, "fd_clf", logMetric: true);
var paperR2 = paper["1"]!["r2_256p_imagenet"]!;
display(Table(new[] {
    new { Fit = "PSNR vs log2 E", Ours = Math.Round(psnrFit.RSquared, 3), Slope = Math.Round(psnrFit.Slope, 3), Paper = (double)paperR2["rPSNR"]!, PaperSource = "Fig. 2, ImageNet 256p" },
    new { Fit = "ln FD-clf vs log2 E", Ours = Math.Round(fdFit.RSquared, 3), Slope = Math.Round(fdFit.Slope, 3), Paper = (double)paperR2["rFID"]!, PaperSource = "Fig. 2, ImageNet 256p (rFID)" } }));
display(Table(ScalingAnalysis.EqualE(eLaw).SelectMany(g => g.Rows.Select(r => new { E = g.E, Run = (string)r["name"]!, p = N(r, "p"), c = N(r, "c"),
    PSNR = Math.Round(N(r, "psnr"), 2), FdClf = Math.Round(N(r, "fd_clf"), 3), SpreadDb = Math.Round(g.PsnrSpread, 2) }))));
var photoRows = findings.PhotoRows;
if (photoRows.Count > 0) display(EPlot(photoRows, "psnr", "PSNR, photos 64x64 (dB)", "p"));
Console.WriteLine(Cite(1));
Console.WriteLine("Ours, Fashion-MNIST: " + findings.ELaw);
Console.WriteLine("Ours, photos 64x64: " + findings.PhotoELaw);
// %% [markdown]
// Why p = 16 departs from the line here is not known. An earlier version of this notebook blamed the 192-wide decoder
// head (one linear layer from a token's 192 numbers to a 16 x 16 patch); that does not hold: a rank-192 linear
// reconstruction of 16 x 16 patches reaches 34.3 dB on Fashion-MNIST and 35.0 dB on the photos (measured by the review
// in issue 27, not re-measured here), far above every p16 run. Hypotheses, untested: at 1,000 steps the runs are under-trained, and per-step compute differs 3-6x across p, so
// the gap may measure training speed rather than the bottleneck; the wide-decoder p16 control and the 4,000-step
// equal-E runs of docs/sweeps.md (Decision rules) are the tests.
//
// ## Findings 3 and 4: a wider encoder does not help; a wider decoder helps less than doubling E
// Base: p = 8, c = 16 (E = 256), both sides 192 wide; doubling E: c = 32.
// %%
var encoders = findings.EncoderRows;
var decoders = findings.DecoderRows;
display(Table(encoders.Concat(decoders).Distinct().Select(r => new { Run = (string)r["name"]!, Encoder = N(r, "encoder.width"), Decoder = N(r, "decoder.width"),
    EncoderParamsM = N(r, "params_m.encoder"), DecoderParamsM = N(r, "params_m.decoder"), PSNR = Math.Round(N(r, "psnr"), 2), SSIM = Math.Round(N(r, "ssim"), 4), FdClf = Math.Round(N(r, "fd_clf"), 3) })));
Console.WriteLine(Cite(3));
Console.WriteLine("Ours: " + findings.Encoder);
Console.WriteLine(Cite(4));
Console.WriteLine("Ours: " + findings.Decoder);
// %% [markdown]
// ## Finding 5: perceptual and GAN weight trade PSNR for FD
// %%
var loss = findings.LossRows;
if (loss.Count > 0)
    display(Table(loss.Select(r => new { Run = (string)r["name"]!, Note = (string)r["note"], PSNR = Math.Round(N(r, "psnr"), 2), SSIM = Math.Round(N(r, "ssim"), 4),
        FdResNet18 = SweepResults.Number(r, "fd_resnet18") is double f ? Math.Round(f, 1) : double.NaN, FdClf = Math.Round(N(r, "fd_clf"), 3) })));
Console.WriteLine(Cite(5));
Console.WriteLine("Ours: " + findings.LossTradeOff);
// %% [markdown]
// Why the trade-off does not show at this scale, as we read it: the perceptual term here is ResNet18's features (the
// shipped network; LPIPS's VGG weights are not shipped) taken at the images' own 32 x 32 size, where ResNet18's five
// stage taps are 16 x 16 down to 1 x 1. Such coarse features say little about a garment's edges, and in these short runs the
// term pulls the small decoder away from the pixels: PSNR and FD get worse together. FD-ResNet18 scores the same
// network's pooled features at 224 x 224, which the loss never sees. The stage-2 GAN moves in the paper's direction
// from the perceptual run (more GAN weight, lower FD) but not from the plain MSE run. The paper trains S-B/16 at 256p
// on ImageNet with LPIPS (VGG), far longer than these runs.
// %% [markdown]
// ## Finding 2: generation has an optimum channel count
// A DiT-N trained for the same steps on the latents of each p = 8 tokenizer; 100 samples per class scored by the
// shipped classifier.
// %%
var gen = findings.ChannelRows;
if (gen.Count > 0)
    display(Table(gen.Select(r => new { Run = (string)r["name"]!, c = N(r, "c"), E = N(r, "E"), PSNR = Math.Round(N(r, "psnr"), 2),
        GenFdClf = Math.Round(N(r, "generation.fd_clf"), 3), GenIS = Math.Round(N(r, "generation.is"), 2), ClassAccuracy = Math.Round(N(r, "generation.class_accuracy"), 3) })));
Console.WriteLine(Cite(2));
Console.WriteLine("Ours: " + findings.Channels);
// %% [markdown]
// ## Finding 6: video follows the same E law, with less E per frame
// 8-frame 32x32 sprite clips, tubelets q x 8 x 8.
// %%
var clips = findings.ClipRows;
if (clips.Count > 0) display(EPlot(clips, "psnr", "PSNR per frame (dB)", "q"));
Console.WriteLine(Cite(6));
Console.WriteLine("Ours: " + findings.VideoELaw);
// %% [markdown]
// ## Summary
// The same table is in `docs/sweeps.md` (`vitok sweep --summary notebooks/sweeps`).
// %%
Table(findings.Summary(paperFile).Select(s => new { s.Finding, Paper = s.Paper, Ours = s.Ours.Sentence, Verdict = s.Ours.OutcomeText }))
// %% [markdown]
// ## Live check: one row re-run here
// `p16-c16` is the smallest run of the Fashion-MNIST plan (4 tokens). It is trained again from scratch by the same
// sweep code into a temporary folder and compared with its committed row. Seeds are fixed and the plan uses one
// thread, so with the build that wrote the row the re-run is identical (the sweep tests check this bit for bit). Each
// row records its build (`vitok`, with the commit); with another build, or another CPU, float rounding differs and
// grows over 1000 training steps. Measured when this check was written: a build later than the row's
// (a reshaped training loop that rounds gradient clipping differently) moved SSIM by 5e-6 and FD-clf by 2e-4 and
// PSNR by less than 1e-4 dB. The tolerance for another build is 0.05 dB PSNR, 0.001 SSIM and 2 % FD-clf: a few
// hundred times that drift, and still well below the differences the findings rest on (0.3 dB and more between runs).
// %%
string live = Path.Combine(Path.GetTempPath(), "vitok-live-" + Guid.NewGuid().ToString("N"));
var output = new StringWriter();
int code = ViTok.Cli.VitokApp.Run(["sweep", "--plan", Repo("notebooks", "sweeps", "fmnist-scaling.json"), "--only", "p16-c16",
    "--results", Path.Combine(live, "results.jsonl"), "--work", Path.Combine(live, "work")], output, output);
TorchRuntime.ApplyThreads(Threads);
if (code != 0) throw new Exception("the live re-run failed:\n" + output);
var again = SweepResults.Load(Path.Combine(live, "results.jsonl")).Find("p16-c16")!;
var committed = fmnist.Find("p16-c16")!;
Directory.Delete(live, recursive: true);
bool sameBuild = (string)again["vitok"] == (string)committed["vitok"];
var tolerance = new Dictionary<string, Func<double, double>> { ["psnr"] = _ => 0.05, ["ssim"] = _ => 0.001, ["fd_clf"] = v => 0.02 * Math.Abs(v) };
var checks = tolerance.Select(t => new { Metric = t.Key, Committed = N(committed, t.Key), LiveRun = N(again, t.Key), Difference = N(again, t.Key) - N(committed, t.Key),
    Allowed = sameBuild ? 0 : t.Value(N(committed, t.Key)) }).ToList();
display(Table(checks));
Console.WriteLine($"row written by {committed["vitok"]}; re-run with {again["vitok"]} ({(sameBuild ? "the same build: must be identical" : "another build: within the tolerance above")}); {N(again, "wall_s")} s wall, {N(again, "cpu_s")} s CPU");
if (checks.Any(c => Math.Abs(c.Difference) > c.Allowed)) throw new Exception("the live re-run does not reproduce the committed row");
