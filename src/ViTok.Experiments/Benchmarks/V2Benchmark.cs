using TorchSharp;
using ViTok.Models.TokenizerV2;
using static TorchSharp.torch;

namespace ViTok.Models.Benchmarks;

/// <summary>
/// Inference speed of a ViTok-v2 model on square images: encode and decode under no_grad in one precision, as
/// items per second and as achieved multiply-adds per second over a matrix product of the same dtype timed in the
/// same run (see <see cref="TokenizerBenchmark"/>).
/// </summary>
public static class V2Benchmark
{
    public static PrecisionResult Run(ViTokV2AutoEncoder model, int imageSize, int batch, ScalarType dtype, TimingPolicy policy, Device device)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch must be at least 1.");
        policy.Validate();
        var config = model.Config;
        var grid = PatchGrid.ForImage(imageSize, imageSize, config.Patch);
        var cost = V2Cost.Of(config, grid.Count);
        using var _ = no_grad();
        model.eval();
        model.to(device).to(dtype);
        using var scope = NewDisposeScope();
        using Scalar one = 1.ToScalar(), two = 2.ToScalar();
        var patches = (rand([batch, grid.Count, config.PixelsPerToken], device: device) * two - one).to(dtype);
        var latents = randn([batch, grid.Count, config.Channels], device: device).to(dtype);
        var encode = BenchTimer.Time(policy, () => model.Encode(patches, grid).Dispose());
        var decode = BenchTimer.Time(policy, () => model.Decode(latents, grid).Dispose());
        double matmul = BenchTimer.MatmulGMacs(dtype, device, policy);
        return new PrecisionResult(
            TokenizerBenchmark.DTypeName(dtype), matmul,
            encode.PerSecond(batch), decode.PerSecond(batch),
            cost.Encoder.MultiplyAdds * encode.PerSecond(batch) / 1e9,
            cost.Decoder.MultiplyAdds * decode.PerSecond(batch) / 1e9,
            encode.Calls, decode.Calls);
    }
}
