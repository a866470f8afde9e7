using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.Models.TokenizerV2;
using ViTok.Models.Weights;
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
/// what a saved pipeline stores, and which it loads again after a release (<see cref="SharedWeights{T}"/>).
/// </summary>
sealed class V2ModelHandle : IDisposable
{
    public const string Format = "vitok-v2";

    readonly SharedWeights<ViTokV2Inference> _weights;

    public byte[] FileBytes { get; }
    public V2Half Half { get; }
    public ViTokV2Config Config { get; }

    V2ModelHandle(byte[] bytes, ViTokV2Inference inference, Func<ViTokV2Inference> load, V2Half half)
    {
        FileBytes = bytes;
        Config = inference.Config;
        Half = half;
        _weights = new SharedWeights<ViTokV2Inference>(load, inference);
    }

    /// <summary>A forward pass's hold on the weights; dispose it when the pass is done.</summary>
    public SharedWeights<ViTokV2Inference>.Pass Use() => _weights.Begin();

    public static V2ModelHandle Create(CatalogHost host, string folder, V2Half half, string? device, int threads, InferencePrecision precision)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"ViTok-v2 checkpoint folder '{folder}' does not exist.");
        string file = FilePath(folder, half);
        if (!File.Exists(file))
            throw new FileNotFoundException($"ViTok-v2 checkpoint folder '{folder}' has no {Path.GetFileName(file)} (expected {ViTokV2Checkpoint.EncoderFile} and/or {ViTokV2Checkpoint.DecoderFile}, as published).", file);
        return FromBytes(host, File.ReadAllBytes(file), file, half, device, threads, precision, ViTokV2Checkpoint.DeclaredVariant(folder));
    }

    /// <summary>A handle over the bytes of one published file (<paramref name="name"/> names them in errors), as a saved pipeline holds them.</summary>
    public static V2ModelHandle FromBytes(CatalogHost host, byte[] bytes, string name, V2Half half, string? device, int threads, InferencePrecision precision,
        string? declaredVariant = null)
    {
        var resolved = TokenizerHandle.ResolveDevice(host, device, threads);
        var dtype = precision == InferencePrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        ViTokV2Inference Load()
        {
            var file = SafeTensorsFile.FromBytes(bytes, name);
            var model = half == V2Half.Encoder ? ViTokV2Checkpoint.Load(file, null, null, declaredVariant) : ViTokV2Checkpoint.Load(null, file, null, declaredVariant);
            try { return new ViTokV2Inference(model, resolved, dtype); }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        var inference = Load();
        try { return new V2ModelHandle(bytes, inference, Load, half); }
        catch
        {
            inference.Dispose();
            throw;
        }
    }

    /// <summary>The configuration of one half of the checkpoint in <paramref name="folder"/>, from the file's header only (checked as <see cref="ViTokV2Checkpoint.CheckComplete"/> does).</summary>
    public static ViTokV2Config ReadConfig(string folder, V2Half half) =>
        ViTokV2Checkpoint.ReadConfig(folder, encoder: half == V2Half.Encoder, decoder: half == V2Half.Decoder);

    static string FilePath(string folder, V2Half half) =>
        Path.Combine(folder, half == V2Half.Encoder ? ViTokV2Checkpoint.EncoderFile : ViTokV2Checkpoint.DecoderFile);

    /// <summary>Whether the weights are in memory.</summary>
    public bool IsLoaded => _weights.IsLoaded;

    /// <summary>Frees the weights now, or when the running forward passes end; a later pass loads them again.</summary>
    public void Dispose() => _weights.Release();
}
