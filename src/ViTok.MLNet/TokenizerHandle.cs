using ViTok.MLNet.Persistence;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.MLNet;

/// <summary>
/// A loaded tokenizer as the ML.NET components hold it: the inference object (on its device and precision)
/// and the exact bytes of its safetensors file, which are what a saved pipeline stores. The file is read once:
/// the weights are loaded from the same bytes that are kept.
/// </summary>
sealed class TokenizerHandle : IDisposable
{
    public byte[] FileBytes { get; }
    public TokenizerInference Inference { get; }
    public ViTokConfig Config => Inference.Config;

    TokenizerHandle(byte[] bytes, TokenizerInference inference)
    {
        FileBytes = bytes;
        Inference = inference;
    }

    /// <summary>Resolves the device from the options, else from MLContext.GpuDeviceId / FallbackToCpu. The thread count is
    /// only checked here: it is applied around each forward pass (<see cref="TorchThreads"/>), never process-wide.</summary>
    public static Device ResolveDevice(CatalogHost host, string? device, int threads)
    {
        TorchThreads.Check(threads);
        return TorchRuntime.Resolve(new ComputeOptions
        {
            Device = device ?? (host.GpuDeviceId is int id ? $"cuda:{id}" : "cpu"),
            FallbackToCpu = host.FallbackToCpu,
        });
    }

    /// <summary>The tokenizer file at <paramref name="path"/>, or a copy of <paramref name="model"/> (its file bytes, so it can be saved).</summary>
    public static TokenizerHandle Create(CatalogHost host, string? path, ViTokAutoEncoder? model, string? device, int threads, InferencePrecision precision)
    {
        if ((path is null) == (model is null))
            throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory).");
        if (path is null) return FromBytes(host, TokenizerFile.ToBytes(model!), "the in-memory tokenizer", device, threads, precision);
        if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        return FromBytes(host, File.ReadAllBytes(path), path, device, threads, precision);
    }

    /// <summary>A handle over the bytes of a tokenizer file (<paramref name="name"/> names them in errors), as a saved pipeline holds them.</summary>
    public static TokenizerHandle FromBytes(CatalogHost host, byte[] bytes, string name, string? device, int threads, InferencePrecision precision)
    {
        var resolved = ResolveDevice(host, device, threads);
        var dtype = precision == InferencePrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var loaded = TokenizerFile.Load(SafeTensorsFile.FromBytes(bytes, name));
        try { return new TokenizerHandle(bytes, new TokenizerInference(loaded, resolved, dtype)); }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>The configuration of the tokenizer at <paramref name="path"/> or <paramref name="model"/>, from the file's header only.</summary>
    public static ViTokConfig ReadConfig(string? path, ViTokAutoEncoder? model) =>
        model?.Config ?? TokenizerFile.ReadConfig(path ?? throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory)."));

    public void Dispose() => Inference.Dispose();
}
