// FVD-proxy floor: the reference set of docs/generation.md (synthetic sprites, seed 1, 256 clips) against other sets of
// real clips of the same kind, through the code path `vitok generate --evaluate` uses (GeneratedClipEvaluation).
// Usage: dotnet run --project bench/FvdFloor -c Release -- [COUNT] [SEED...]   (defaults: 256, seeds 2 3 4)
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

int count = args.Length > 0 ? int.Parse(args[0]) : 256;
var seeds = args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [2, 3, 4];
TorchRuntime.EnsureLoaded();
string Spec(int seed) => $"synthetic-video:sprites?frames=8&size=32&count={count}&seed={seed}";
using var evaluation = new GeneratedClipEvaluation(ClipSourceSpec.Open(Spec(1)), FeatureNetwork.ResNet18(), null, count: count);
foreach (int seed in seeds)
{
    using var scope = NewDisposeScope();
    var source = ClipSourceSpec.Open(Spec(seed));
    var clips = Enumerable.Range(0, count).Select(i => source.Read(i, DeterministicRandom.ForItem(0, 0, i))).ToList();
    using var stacked = ClipTensors.Stack(clips);
    double fvd = evaluation.Evaluate(stacked, null)["fvd_proxy"];
    Console.WriteLine($"FVD-proxy, {count} real clips of seed 1 against {count} real clips of seed {seed}: {fvd:F1}");
}
