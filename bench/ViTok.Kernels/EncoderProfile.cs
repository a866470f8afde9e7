using TorchSharp;
using ViTok.Models.Benchmarks;
using ViTok.Models.Layers;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

/// <summary>
/// Where an encoder forward pass (inference) spends its time. libtorch's profiler is not reachable from TorchSharp,
/// so each operation the encoder runs is timed alone on tensors of the model's shapes, the same calls in the same
/// order as ViTokEncoder, TransformerBlock, Attention and SwiGLU make them, and the per-block sum is multiplied by
/// the depth; the sum over all parts is set against the whole forward of the real model in the same run, so that
/// what the isolated timings miss (cache effects between operations, dispatch) shows as the difference.
/// </summary>
static class EncoderProfile
{
    sealed record Part(string Name, int PerForward, double MultiplyAdds, Action Run);

    public static void Run(string variant, int size, int batch, ScalarType dtype, int rounds = 7)
    {
        var config = ViTokConfig.FromVariant(variant, channels: 16, imageSize: size);
        var e = config.Encoder;
        int width = e.Width, heads = e.Heads, depth = e.Depth, hidden = ViTokConfig.MlpHidden(width);
        long b = batch, l = config.Tokens, d = width / heads, patch = 3L * config.Patch * config.Patch;
        var policy = new TimingPolicy(MinCalls: 20, MinSeconds: 1.0);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        random.manual_seed(0);

        Tensor R(params long[] shape) => randn(shape).to(dtype);
        // Activations and weights of one block (values do not matter for speed).
        var x = R(b, l, width);
        var wQkv = R(3 * width, width); var wProj = R(width, width); var bProj = R(width);
        var wG = R(hidden, width); var bG = R(hidden); var wX = R(hidden, width); var bX = R(hidden);
        var w2 = R(width, hidden); var b2 = R(width);
        var lnW = ones(width).to(dtype); var lnB = zeros(width).to(dtype);
        var qkv = nn.functional.linear(x, wQkv).view(b, l, 3, heads, d).permute(2, 0, 3, 1, 4);
        Tensor q = qkv[0], k = qkv[1], v = qkv[2];
        using var positions = new TokenPositions(config, e);
        var rope = positions.Rope(config.Grid, CPU);
        var o = nn.functional.scaled_dot_product_attention(q, k, v);
        var g = R(b, l, hidden); var h = R(b, l, hidden);
        var pixels = R(b, 3, 1, size, size);
        var wEmbed = R(width, patch); var bEmbed = R(width);
        var wMoments = R(2 * config.Channels, width); var bMoments = R(2 * config.Channels);
        long[] normShape = [width];
        double rows = b * l;

        void Free(Func<Tensor> f) { using var _ = NewDisposeScope(); f(); }
        var parts = new List<Part>
        {
            new("tubelet embedding (reshape + linear)", 1, rows * patch * width, () => Free(() =>
                nn.functional.linear(pixels.view(b, 3, config.GridH, config.Patch, config.GridW, config.Patch)
                    .permute(0, 2, 4, 1, 3, 5).reshape(b, l, patch), wEmbed, bEmbed))),
            new("layer norm", 2 * depth, 0, () => Free(() => nn.functional.layer_norm(x, normShape, lnW, lnB))),
            new("qkv linear", depth, rows * width * 3 * width, () => Free(() => nn.functional.linear(x, wQkv))),
            new("qkv view + permute + select", depth, 0, () => Free(() =>
                { var t = x.view(b, l, 1, heads, d).expand(b, l, 3, heads, d).permute(2, 0, 3, 1, 4); return t[0] + t[1]; })),
            new("rope (q and k)", 2 * depth, 0, () => Free(() => rope is null ? q : RotaryEmbedding.Rotate(q, rope))),
            new("attention (fused SDPA)", depth, 2.0 * b * l * l * width, () => Free(() => nn.functional.scaled_dot_product_attention(q, k, v))),
            new("heads transpose + reshape", depth, 0, () => Free(() => o.transpose(1, 2).reshape(b, l, width))),
            new("proj linear", depth, rows * width * width, () => Free(() => nn.functional.linear(x, wProj, bProj))),
            new("residual add", 2 * depth, 0, () => Free(() => x + x)),
            new("SwiGLU fc1_g + fc1_x linears", depth, rows * width * 2.0 * hidden, () => Free(() =>
                { nn.functional.linear(x, wG, bG); return nn.functional.linear(x, wX, bX); })),
            new("SwiGLU silu * value", depth, 0, () => Free(() => nn.functional.silu(g) * h)),
            new("SwiGLU fc2 linear", depth, rows * hidden * width, () => Free(() => nn.functional.linear(h, w2, b2))),
            new("final norm + moments linear", 1, rows * width * 2 * config.Channels, () => Free(() =>
                nn.functional.linear(nn.functional.layer_norm(x, normShape, lnW, lnB), wMoments, bMoments))),
        };

        using var model = new ViTokAutoEncoder(config);
        model.eval();
        model.to(dtype);
        // The real model's blocks, timed in place by hooks (a forward on CPU returns when its work is done).
        var inBlocks = new System.Diagnostics.Stopwatch();
        foreach (var (_, m) in model.named_modules())
            if (m is TransformerBlock tb)
            {
                tb.register_forward_pre_hook((_, _, _) => { inBlocks.Start(); return null; });
                tb.register_forward_hook((_, _, _, y) => { inBlocks.Stop(); return y; });
            }
        using var block = new TransformerBlock(width, heads, hidden);
        block.eval();
        block.to(dtype);
        using var a = randn(1024, 1024).to(dtype);
        using var c = randn(1024, 1024).to(dtype);

        // Every item is timed once per round, the rounds interleaving them, so that drift in machine speed (other
        // processes, frequency) hits them alike; figures are medians over the rounds.
        var whole = new List<double>(); var blockTimes = new List<double>(); var blockShare = new List<double>(); var matmuls = new List<double>();
        var partTimes = parts.Select(_ => new List<double>()).ToArray();
        var round = new TimingPolicy(MinCalls: 5, MinSeconds: 0.3, WarmupCalls: 1);
        for (int r = 0; r < rounds; r++)
        {
            inBlocks.Reset();
            var w = BenchTimer.Time(round, () => model.Encode(pixels).Dispose());
            whole.Add(w.MedianSeconds);
            blockShare.Add(inBlocks.Elapsed.TotalSeconds / (w.Calls + round.WarmupCalls) / w.MedianSeconds);
            blockTimes.Add(BenchTimer.Time(round, () => Free(() => block.call(x, rope))).MedianSeconds);
            for (int i = 0; i < parts.Count; i++) partTimes[i].Add(BenchTimer.Time(round, parts[i].Run).MedianSeconds);
            matmuls.Add(1024.0 * 1024 * 1024 / BenchTimer.Time(round, () => a.matmul(c).Dispose()).MedianSeconds / 1e9);
        }
        var times = partTimes.Select(BenchTimer.Median).ToArray();
        double matmul = BenchTimer.Median(matmuls), wholeSeconds = BenchTimer.Median(whole);
        double total = times.Zip(parts, (t, p) => t * p.PerForward).Sum();
        double macs = parts.Sum(p => p.PerForward * p.MultiplyAdds);

        string name = dtype == ScalarType.BFloat16 ? "bf16" : "fp32";
        Console.WriteLine($"{variant} encoder, {size}x{size}, batch {batch}, {name}: {l} tokens, width {width}, {heads} heads, depth {depth}, SwiGLU hidden {hidden}");
        Console.WriteLine($"same-run {name} 1024^3 matmul: {matmul:F1} G multiply-adds/s; {get_num_threads()} threads; medians of {rounds} interleaved rounds");
        Console.WriteLine($"{"part",-38} {"calls",5} {"ms/call",8} {"ms/fwd",8} {"time %",7} {"MAC %",6} {"G MAC/s",8} {"x matmul",8}");
        for (int i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            double perForward = times[i] * p.PerForward;
            string rate = p.MultiplyAdds > 0 ? $"{p.MultiplyAdds / times[i] / 1e9,8:F1} {p.MultiplyAdds / times[i] / 1e9 / matmul,8:F2}" : $"{"",8} {"",8}";
            Console.WriteLine($"{p.Name,-38} {p.PerForward,5} {times[i] * 1e3,8:F3} {perForward * 1e3,8:F2} {perForward / total * 100,7:F1} {p.PerForward * p.MultiplyAdds / macs * 100,6:F1} {rate}");
        }
        Console.WriteLine($"{"sum of parts",-38} {"",5} {"",8} {total * 1e3,8:F2} {"",7} {"",6} {macs / total / 1e9,8:F1} {macs / total / 1e9 / matmul,8:F2}");
        Console.WriteLine($"{"whole encoder forward (real model)",-38} {"",5} {"",8} {wholeSeconds * 1e3,8:F2} {"",7} {"",6} {macs / wholeSeconds / 1e9,8:F1} {macs / wholeSeconds / 1e9 / matmul,8:F2}");
        Console.WriteLine($"whole / sum of parts {wholeSeconds / total:F2}; inside the real model's blocks {BenchTimer.Median(blockShare) * 100:F0} % of the whole; " +
            $"one block alone x depth {BenchTimer.Median(blockTimes) * depth * 1e3:F2} ms");
        Console.WriteLine($"multiply-adds per forward {macs / 1e9:F3} G (TokenizerCost: {TokenizerCost.Of(config).Encoder.MultiplyAdds * batch / 1e9:F3} G)");
    }
}
