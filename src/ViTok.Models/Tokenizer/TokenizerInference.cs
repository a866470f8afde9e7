using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>Which latent an encoder call returns.</summary>
public enum LatentKind
{
    /// <summary>The posterior mean (deterministic; the default for featurization).</summary>
    Mean,
    /// <summary>A sample of the posterior (noise seeded per batch from the options' seed and the row position).</summary>
    Sample,
}

/// <summary>
/// Batched inference over plain float arrays, for hosts that do not speak torch (ML.NET cursors, the CLI):
/// copies a batch in, runs one forward pass under no_grad in the chosen precision, copies the results out.
/// All tensors live in a dispose scope per call. Safe to call from several threads at once.
/// </summary>
public sealed class TokenizerInference : IDisposable
{
    readonly ViTokAutoEncoder _model;
    readonly bool _ownsModel;

    public ViTokConfig Config => _model.Config;
    public Device Device { get; }
    public ScalarType DType { get; }

    /// <param name="model">The tokenizer; it is moved to <paramref name="device"/> and <paramref name="dtype"/> and put in eval mode.</param>
    /// <param name="ownsModel">Dispose the model with this object.</param>
    public TokenizerInference(ViTokAutoEncoder model, Device device, ScalarType dtype = ScalarType.Float32, bool ownsModel = true)
    {
        TorchRuntime.PrepareForInference(model, device, dtype);
        _model = model;
        _ownsModel = ownsModel;
        Device = device;
        DType = dtype;
    }

    /// <summary>Floats per input item: 3 x T x H x W (channel-major RGB in [-1, 1]).</summary>
    public int PixelLength => 3 * Config.Frames * Config.ImageSize * Config.ImageSize;

    /// <summary>Floats per latent: tokens x c.</summary>
    public int LatentLength => Config.Tokens * Config.Channels;

    /// <summary>Encodes items [0, count) of <paramref name="pixels"/> into <paramref name="latents"/> (each <see cref="LatentLength"/> long).</summary>
    public void Encode(IReadOnlyList<float[]> pixels, int count, IList<float[]> latents, LatentKind kind = LatentKind.Mean, long seed = 0)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = Stack(pixels, count, PixelLength, [count, 3, Config.Frames, Config.ImageSize, Config.ImageSize]);
        using var posterior = _model.Encode(input.to(DType));
        Tensor z;
        if (kind == LatentKind.Sample)
        {
            using var generator = new Generator((ulong)seed);
            z = posterior.Sample(generator);
        }
        else z = posterior.Mean;
        Unstack(z, count, latents, LatentLength);
    }

    /// <summary>Decodes items [0, count) of <paramref name="latents"/> into <paramref name="pixels"/> (each <see cref="PixelLength"/> long).</summary>
    public void Decode(IReadOnlyList<float[]> latents, int count, IList<float[]> pixels)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var z = Stack(latents, count, LatentLength, [count, Config.Tokens, Config.Channels]);
        var output = _model.Decode(z.to(DType));
        Unstack(output, count, pixels, PixelLength);
    }

    Tensor Stack(IReadOnlyList<float[]> items, int count, int length, long[] shape)
    {
        var flat = new float[(long)count * length];
        for (int i = 0; i < count; i++)
        {
            if (items[i].Length != length)
                throw new ArgumentException($"Item {i} has {items[i].Length} numbers; {length} expected.");
            Array.Copy(items[i], 0, flat, (long)i * length, length);
        }
        return tensor(flat, shape, device: Device);
    }

    static void Unstack(Tensor batch, int count, IList<float[]> outputs, int length)
    {
        var values = batch.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        for (int i = 0; i < count; i++)
        {
            if (outputs[i] is null || outputs[i].Length != length) outputs[i] = new float[length];
            Array.Copy(values, (long)i * length, outputs[i], 0, length);
        }
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
