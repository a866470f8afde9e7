using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.Models.TokenizerV2;
using static TorchSharp.torch;

namespace ViTok.MLNet.V2;

/// <summary>Which half of a ViTok-v2 checkpoint an ML.NET component runs.</summary>
enum V2Half
{
    Encoder,
    Decoder,
}

/// <summary>
/// A ViTok-v2 checkpoint half as the ML.NET components hold it: the inference object (on its device and precision)
/// and the exact bytes of the published file it came from (encoder.safetensors or decoder.safetensors), which are
/// what a saved pipeline stores.
/// </summary>
sealed class V2ModelHandle : IDisposable
{
    public const string Format = "vitok-v2";

    public byte[] FileBytes { get; }
    public ViTokV2Inference Inference { get; }
    public V2Half Half { get; }
    public ViTokV2Config Config => Inference.Config;

    V2ModelHandle(byte[] bytes, ViTokV2Inference inference, V2Half half)
    {
        FileBytes = bytes;
        Inference = inference;
        Half = half;
    }

    public static V2ModelHandle Create(CatalogHost host, string folder, V2Half half, string? device, int threads, InferencePrecision precision)
    {
        var resolved = TokenizerHandle.ResolveDevice(host, device, threads);
        var dtype = precision == InferencePrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        bool encoder = half == V2Half.Encoder;
        var model = ViTokV2Checkpoint.Load(folder, encoder: encoder, decoder: !encoder);
        string file = Path.Combine(folder, encoder ? ViTokV2Checkpoint.EncoderFile : ViTokV2Checkpoint.DecoderFile);
        return new V2ModelHandle(File.ReadAllBytes(file), new ViTokV2Inference(model, resolved, dtype), half);
    }

    /// <summary>Rebuilds a handle from the file bytes a saved pipeline holds.</summary>
    public static V2ModelHandle FromBytes(CatalogHost host, byte[] bytes, V2Half half, string? device, int threads, InferencePrecision precision)
    {
        string folder = Directory.CreateTempSubdirectory("vitok-v2-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(folder, half == V2Half.Encoder ? ViTokV2Checkpoint.EncoderFile : ViTokV2Checkpoint.DecoderFile), bytes);
            return Create(host, folder, half, device, threads, precision);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    public void Dispose() => Inference.Dispose();
}
