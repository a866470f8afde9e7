using ViTok.MLNet.Persistence;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.MLNet;

/// <summary>
/// A loaded tokenizer as the ML.NET components hold it: the inference object (on its device and precision)
/// and the exact bytes of its safetensors file, which are what a saved pipeline stores.
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

    public static TokenizerHandle Create(CatalogHost host, string? path, ViTokAutoEncoder? model, string? device, int threads, InferencePrecision precision)
    {
        if ((path is null) == (model is null))
            throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory).");
        var resolved = ResolveDevice(host, device, threads);
        var dtype = precision == InferencePrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        if (path is not null)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
            var loaded = TokenizerFile.Load(path);
            return new TokenizerHandle(File.ReadAllBytes(path), new TokenizerInference(loaded, resolved, dtype));
        }
        string temp = Path.Combine(Path.GetTempPath(), $"vitok-{Guid.NewGuid():N}.safetensors");
        try
        {
            TokenizerFile.Save(model!, temp);
            return new TokenizerHandle(File.ReadAllBytes(temp), new TokenizerInference(model!, resolved, dtype));
        }
        finally { File.Delete(temp); }
    }

    /// <summary>Rebuilds a handle from the bytes a saved pipeline holds.</summary>
    public static TokenizerHandle FromBytes(CatalogHost host, byte[] bytes, string? device, int threads, InferencePrecision precision)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"vitok-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(temp, bytes);
            return Create(host, temp, null, device, threads, precision);
        }
        finally { File.Delete(temp); }
    }

    public void Dispose() => Inference.Dispose();
}
