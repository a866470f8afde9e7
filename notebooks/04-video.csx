// %% [markdown]
// # Video: clips through a tokenizer, class-conditional clip generation, and what a temporal tubelet does to E
//
// First, clips through the shipped **image** tokenizer `vitok-photos-t8-c8` frame by frame (tubelet depth q = 1),
// the baseline a temporal tubelet improves on: 4 of the procedural `synthetic-video` clips (a shape drifting and
// spinning over a gradient, 8 frames of 64x64, seed 0), drawn in this notebook. Then the shipped **video** tokenizer
// (2-frame x 8x8 tubelets) and the class-conditional DiT trained on its latents generate sprite clips of each class
// (models/README.md says how they were trained). Nothing is read from disk but the models.
// %%
#load "setup.csx"
#r "nuget: ScottPlot, 5.1.59"
// %%
using TorchSharp;
using static TorchSharp.torch;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Tokenizer;

var tokenizer = TokenizerFile.Load(Repo("models", "vitok-photos-t8-c8.safetensors"));
var video = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 4, Frames = 8, Height = 64, Width = 64, Seed = 0 });
var clips = ClipTensors.Stack(Enumerable.Range(0, video.Count).Select(i => video.Read(i, new Random(0))).ToList());   // [4, 3, 8, 64, 64]
var reconstructed = FrameByFrame.Reconstruct(tokenizer, clips);
$"{video.Description}; tokenizer {tokenizer.Config.Variant} c = {tokenizer.Config.Channels}: " +
$"{FrameByFrame.LatentSize(tokenizer.Config, (int)clips.shape[2])} latent numbers per clip ({tokenizer.Config.BottleneckSize} per frame) " +
$"for {clips[0].numel()} pixel values"
// %% [markdown]
// ## Frames side by side
// For each clip, a row of its 8 original frames and a row of their reconstructions.
// %%
var rows = new List<IReadOnlyList<Tensor>>();
for (int b = 0; b < clips.shape[0]; b++)
{
    rows.Add(Enumerable.Range(0, (int)clips.shape[2]).Select(t => clips[b, .., t]).ToList());
    rows.Add(Enumerable.Range(0, (int)clips.shape[2]).Select(t => reconstructed[b, .., t]).ToList());
}
new Png(ImageGrid.ToPng(rows))
// %% [markdown]
// The first clip as an animation, original beside reconstruction:
// %%
new Gif(AnimatedGif.Encode(stack([clips[0], reconstructed[0]]), frameMilliseconds: 150))
// %% [markdown]
// ## Per-frame PSNR and SSIM
// %%
long frames = clips.shape[2];
var perFramePsnr = Psnr.PerItem(VideoMetrics.Frames(clips), VideoMetrics.Frames(reconstructed));   // clip-major
var perFrameSsim = Ssim.PerItem(VideoMetrics.Frames(clips), VideoMetrics.Frames(reconstructed));
var plot = new ScottPlot.Plot();
for (int b = 0; b < clips.shape[0]; b++)
{
    var line = plot.Add.Scatter(Enumerable.Range(0, (int)frames).Select(t => (double)t).ToArray(), perFramePsnr.Skip(b * (int)frames).Take((int)frames).ToArray());
    line.LegendText = $"clip {b} ({video.ClassNames[video.Read(b, new Random(0)).Label]})"; line.LineWidth = 2; line.MarkerSize = 7;
}
plot.Title("Per-frame PSNR, frame-by-frame tokenization"); plot.XLabel("frame"); plot.YLabel("PSNR (dB)");
plot.ShowLegend(ScottPlot.Edge.Right);
display(new Png(plot.GetImageBytes(760, 340, ScottPlot.ImageFormat.Png)));
var clipPsnr = VideoMetrics.PsnrPerClip(clips, reconstructed);
var clipSsim = VideoMetrics.SsimPerClip(clips, reconstructed);
Table(Enumerable.Range(0, (int)clips.shape[0]).Select(b => new
{
    Clip = b, PsnrDb = Math.Round(clipPsnr[b], 2), Ssim = Math.Round(clipSsim[b], 4),
    WorstFramePsnrDb = Math.Round(perFramePsnr.Skip(b * (int)frames).Take((int)frames).Min(), 2),
}))
// %% [markdown]
// ## The shipped video tokenizer
// `vitok-sprites-video-w192d2-2x8-c8`: 8 frames of 32x32 in 64 tokens of 2 frames x 8x8 pixels, c = 8 (E = 512 for
// 24,576 pixel values). Eight held-out sprite clips (seed 1, never trained on), originals above reconstructions:
// %%
var videoTokenizer = TokenizerFile.Load(Repo("models", "vitok-sprites-video-w192d2-2x8-c8.safetensors"));
var sprites = new SyntheticVideoSource(new SyntheticVideoOptions { Count = 8, Frames = 8, Height = 32, Width = 32, Seed = 1 });
var heldOut = ClipTensors.Stack(Enumerable.Range(0, sprites.Count).Select(i => sprites.Read(i, new Random(0))).ToList());   // [8, 3, 8, 32, 32]
Tensor spriteReconstructions;
using (no_grad())
{
    using var posterior = videoTokenizer.Encode(heldOut);
    spriteReconstructions = videoTokenizer.Decode(posterior.Mean);                       // [8, 3, 8, 32, 32]
}
display(new Gif(AnimatedGif.EncodeGrid(new[] { heldOut, spriteReconstructions }
    .Select(set => (IReadOnlyList<Tensor>)Enumerable.Range(0, 8).Select(i => set[i]).ToList()).ToList(), frameMilliseconds: 150)));
$"{sprites.Description}: PSNR {VideoMetrics.PsnrPerClip(heldOut, spriteReconstructions).Average():F2} dB, " +
$"SSIM {VideoMetrics.SsimPerClip(heldOut, spriteReconstructions).Average():F3} (per frame, averaged over each clip's frames and the 8 clips)"
// %% [markdown]
// ## Class-conditional clip generation
// The shipped DiT-T (`vitok-sprites-video-dit-t-flow`, flow matching) draws two clips of each class (Heun, 10 steps,
// guidance 4, seed 0), decoded by the video tokenizer: a row per class. Below them: how much consecutive frames
// differ (generated clips move, as the real ones do) and the class the held-out frame classifier
// (`sprites-frame-classifier`, trained on single frames of other clips) gives each clip, its probabilities averaged
// over the clip's frames. The measured figures over 256 clips per setting are in docs/generation.md.
// %%
using ViTok.Models.Generation;
var videoGenerator = GeneratorFile.Load(Repo("models", "vitok-sprites-video-dit-t-flow.safetensors"));
var spriteClasses = videoGenerator.ClassNames;
const int ClipsPerClass = 2;
var generated = videoGenerator.SampleClasses(videoTokenizer, Enumerable.Range(0, spriteClasses.Count).ToArray(), ClipsPerClass,
    new SamplingOptions { Sampler = videoGenerator.DefaultSampler, Steps = 10, GuidanceScale = 4, Seed = 0 });   // [16, 3, 8, 32, 32]
display(new Gif(AnimatedGif.EncodeGrid(Enumerable.Range(0, spriteClasses.Count)
    .Select(k => (IReadOnlyList<Tensor>)Enumerable.Range(0, ClipsPerClass).Select(i => generated[k * ClipsPerClass + i]).ToList()).ToList(), frameMilliseconds: 150)));
double FrameChange(Tensor clips) => clips.narrow(2, 1, clips.shape[2] - 1).sub(clips.narrow(2, 0, clips.shape[2] - 1)).abs().mean().item<float>();
var requestedClasses = Enumerable.Range(0, spriteClasses.Count).SelectMany(k => Enumerable.Repeat(k, ClipsPerClass)).ToList();
var clipEvaluation = new GeneratedClipEvaluation(sprites, network: null, ImageClassifierFile.Load(Repo("models", "sprites-frame-classifier.safetensors")));
var generatedScores = clipEvaluation.Evaluate(generated, requestedClasses);
clipEvaluation.Dispose();
Table(new[]
{
    new { Clips = "held-out real", MeanFrameChange = Math.Round(FrameChange(heldOut), 4), ClassAccuracy = "" },
    new { Clips = $"generated ({generated.shape[0]})", MeanFrameChange = Math.Round(FrameChange(generated), 4),
          ClassAccuracy = $"{generatedScores["class_accuracy"]:P1} (chance {1.0 / spriteClasses.Count:P1})" },
})
// %% [markdown]
// Rows, top to bottom: the classes in the generator's order. Frame change is the mean absolute difference of
// consecutive frames in [-1, 1] pixel units.
//
// ## The temporal tubelet's effect on E
// A tubelet of q frames x p x p pixels becomes one token, so for the same clip E = (T/q)(H/p)(W/p) c: a q-frame tubelet
// divides the latent numbers per clip by q, at the same channel count c. Computed from the configurations (and their
// multiply-add counts, `TokenizerCost`) for this notebook's 8 x 64 x 64 clips with the T-T/16 c = 32 tokenizer's shape,
// and for the paper's video setting (16 x 128 x 128, c = 16).
// %%
var rowsE = new List<object>();
foreach (var (variant, frames0, size, c) in new[]
{
    ("T-T/16", 8, 64, 32), ("T-T/2x16", 8, 64, 32), ("T-T/4x16", 8, 64, 32), ("T-T/8x16", 8, 64, 32),
    ("S-B/8", 16, 128, 16), ("S-B/4x8", 16, 128, 16), ("S-B/8x8", 16, 128, 16), ("S-B/4x16", 16, 128, 16),
})
{
    // q = 1 is an image tokenizer applied to each frame (its cost counted per frame); q > 1 tokenizes the clip at once.
    bool perFrame = !variant.Contains('x');
    var config = ViTokConfig.FromVariant(variant, channels: c, imageSize: size, frames: perFrame ? 1 : frames0);
    long e = perFrame ? FrameByFrame.LatentSize(config, frames0) : config.BottleneckSize;
    double gflops = TokenizerCost.Of(config).Total.GFlops * (perFrame ? frames0 : 1);
    long pixels = 3L * frames0 * size * size;
    rowsE.Add(new { Variant = variant, Clip = $"{frames0}x{size}x{size}", Channels = c, TubeletFrames = config.TubeletFrames,
                    Tokens = e / c, E = e, PixelsPerLatentNumber = Math.Round((double)pixels / e, 1), GFlopsPerClip = Math.Round(gflops, 2) });
}
Table(rowsE)
