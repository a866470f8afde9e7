// Kernel-level measurements behind two choices in the model code (results: docs/benchmarks.md).
//   attention [threads]  fused scaled_dot_product_attention against plain matrix products (AttentionKernel.Plain),
//                        fp32 and bf16, inference (no_grad) and training (forward + backward), at the attention shapes
//                        of T-T/8 64p batch 16, S-B/16 256p batch 4 and a 16-token batch of 32; 15 interleaved rounds,
//                        medians and the median of the per-round ratios.
//   bf16-accuracy        bf16 autocast against fp32 for the shipped Fashion-MNIST and photo tokenizers and a random
//                        S-B/16: reconstruction PSNR, PSNR of the bf16 reconstruction against the fp32 one, and the
//                        cosine and relative L2 error of the bf16 gradient (MSE + 1e-3 KL) against the fp32 gradient.
//   profile [threads] [variant] [size] [batch] [fp32|bf16]
//                        where an encoder forward pass spends its time: each operation of a transformer block timed
//                        alone at the model's shapes (inference, no_grad), times the depth, plus the embedding and the
//                        head, against the whole encoder forward of the same model; multiply-adds per second of each
//                        against a same-run 1024^3 matmul.
//   sampling [threads] [batch] [rounds]
//                        DiT sampling speed of the shipped generators (latents, no decoding): samples/s, DiT rows per
//                        sample, multiply-adds per second against a same-run matmul; no guidance, guidance 4 at every
//                        step, and guidance 4 at noise levels [0, 0.5] only.
// Usage: dotnet run -c Release --project bench/ViTok.Kernels -- attention 1 | bf16-accuracy | profile 2 S-B/16 256 8 fp32 | sampling 2 80 5
using System.Diagnostics;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Benchmarks;
using ViTok.Models.Clips;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

string mode = args.Length > 0 ? args[0] : "attention";
int threads = args.Length > 1 ? int.Parse(args[1]) : 1;
TorchRuntime.EnsureLoaded();
torch.set_num_threads(threads);
Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}, {threads} torch threads");
switch (mode)
{
    case "attention": Attention(); break;
    case "bf16-accuracy": Bf16Accuracy(); break;
    case "profile":
        EncoderProfile.Run(args.Length > 2 ? args[2] : "S-B/16", args.Length > 3 ? int.Parse(args[3]) : 256,
            args.Length > 4 ? int.Parse(args[4]) : 8, args.Length > 5 && args[5] == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32);
        break;
    case "sampling": SamplingSpeed.Run(args.Length > 2 ? int.Parse(args[2]) : 80, args.Length > 3 ? int.Parse(args[3]) : 3); break;
    default: Console.Error.WriteLine($"unknown mode '{mode}': attention, bf16-accuracy, profile or sampling"); return 2;
}
return 0;

static void Attention()
{
    const int rounds = 15, calls = 20;
    Console.WriteLine($"{"shape [B, heads, L, D]",-24} {"dtype",-5} {"pass",-9} {"fused ms",9} {"plain ms",9} {"fused/plain",12}");
    foreach (bool train in new[] { false, true })
    foreach (var (b, h, l, d) in new[] { (16, 3, 64, 64), (4, 6, 256, 64), (4, 12, 256, 64), (32, 3, 16, 64) })
    foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
    {
        using var scope = NewDisposeScope();
        using var noGrad = train ? null : no_grad();
        Tensor Input() => randn(b, h, l, d).to(dtype).requires_grad_(train);
        Tensor q = Input(), k = Input(), v = Input();
        double Time(Func<Tensor, Tensor, Tensor, Tensor> attend)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++)
                using (NewDisposeScope())
                {
                    var o = attend(q, k, v);
                    if (train) o.sum().backward();
                }
            return clock.Elapsed.TotalMilliseconds / calls;
        }
        Time(Fused); Time(AttentionKernel.Plain);   // warm-up
        var fused = new double[rounds]; var plain = new double[rounds]; var ratio = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            bool fusedFirst = r % 2 == 0;
            if (fusedFirst) fused[r] = Time(Fused);
            plain[r] = Time(AttentionKernel.Plain);
            if (!fusedFirst) fused[r] = Time(Fused);
            ratio[r] = fused[r] / plain[r];
        }
        Console.WriteLine($"{$"[{b}, {h}, {l}, {d}]",-24} {(dtype == ScalarType.Float32 ? "fp32" : "bf16"),-5} {(train ? "fwd+bwd" : "inference"),-9} {BenchTimer.Median(fused),9:F3} {BenchTimer.Median(plain),9:F3} {BenchTimer.Median(ratio),12:F2}");
    }
    Console.WriteLine("fused/plain > 1: the plain form is faster.");
}

static void Bf16Accuracy()
{
    Console.WriteLine($"{"model",-34} {"PSNR fp32",10} {"PSNR bf16",10} {"bf16 vs fp32",13} {"grad cosine",12} {"grad rel. L2",13}");
    var fashion = Load("fashion-mnist?split=test", 64, 32);
    Compare("fmnist-t8-c8 (64 test images)", TokenizerFile.Load(ViTokModels.Path(ViTokModels.FashionMnistTokenizer)), fashion);
    var photos = Load($"folder:{Path.Combine(AppContext.BaseDirectory, "photos")}?resize=64&crop=64", 8, 64);
    Compare("photos-t16-c32 (8 sample photos)", TokenizerFile.Load(ViTokModels.Path(ViTokModels.PhotoTokenizer)), photos);
    random.manual_seed(0);
    Compare("random S-B/16 c16 64p (8 photos)", new ViTokAutoEncoder(ViTokConfig.FromVariant("S-B/16", 16, 64)), photos);
    Console.WriteLine("PSNR in dB against the inputs; 'bf16 vs fp32' is the PSNR of the bf16 reconstruction against the fp32 one.");
}

static void Compare(string name, ViTokAutoEncoder model, Tensor pixels)
{
    using var scope = NewDisposeScope();
    model.eval();
    Tensor Reconstruct(bool bf16)
    {
        using var autocast = Autocast.Bf16(bf16);
        using var noGrad = no_grad();
        using var posterior = model.Encode(pixels);
        return model.Decode(posterior.Mean).to(ScalarType.Float32);
    }
    double[] Gradient(bool bf16)
    {
        model.zero_grad();
        using (Autocast.Bf16(bf16))
        using (NewDisposeScope())
        {
            using var posterior = model.Encode(pixels);
            using Scalar klWeight = 1e-3.ToScalar();
            var loss = model.Decode(posterior.Mean).to(ScalarType.Float32).sub(pixels).pow(Held.Two).mean()
                .add(posterior.Kl().mean(), klWeight);
            loss.backward();
        }
        return cat(model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.flatten().to(ScalarType.Float64)).ToArray())
            .data<double>().ToArray();
    }
    var full = Reconstruct(false); var half = Reconstruct(true);
    double[] g32 = Gradient(false), g16 = Gradient(true);
    double dot = 0, n32 = 0, n16 = 0, err = 0;
    for (int i = 0; i < g32.Length; i++) { dot += g32[i] * g16[i]; n32 += g32[i] * g32[i]; n16 += g16[i] * g16[i]; err += (g32[i] - g16[i]) * (g32[i] - g16[i]); }
    Console.WriteLine($"{name,-34} {Psnr(full, pixels),10:F3} {Psnr(half, pixels),10:F3} {Psnr(half, full),13:F2} {dot / Math.Sqrt(n32 * n16),12:F5} {Math.Sqrt(err / n32),13:F5}");
    model.Dispose();
}

static double Psnr(Tensor a, Tensor b)
{
    using var scope = NewDisposeScope();
    double mse = a.sub(b).pow(Held.Two).mean().item<float>();
    return 10 * Math.Log10(4.0 / mse);   // pixels in [-1, 1]: peak-to-peak 2
}

static Tensor Load(string spec, int count, int size)
{
    var source = ClipSourceSpec.Open(spec);
    var rng = new Random(0);
    int length = 3 * size * size;
    var pixels = new float[count * length];
    for (int i = 0; i < count; i++) source.Read(i, rng).Pixels.CopyTo(pixels, i * length);
    return tensor(pixels).view(count, 3, 1, size, size);
}

static Tensor Fused(Tensor q, Tensor k, Tensor v) => nn.functional.scaled_dot_product_attention(q, k, v);

/// <summary>Scalars held for the life of the process (no temporaries for native calls to outlive).</summary>
static class Held
{
    public static readonly Scalar Two = 2.ToScalar();
}
