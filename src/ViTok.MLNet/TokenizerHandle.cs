using ViTok.MLNet.Persistence;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.MLNet;

/// <summary>
/// A loaded tokenizer as the ML.NET components hold it: the inference object (on its device and precision)
/// and the exact bytes of its safetensors file, which are what a saved pipeline stores. The file is read once:
/// the weights are loaded from the same bytes that are kept, and loaded again from them after a release
/// (<see cref="SharedWeights{T}"/>).
/// </summary>
sealed class TokenizerHandle : IDisposable
{
    readonly SharedWeights<TokenizerInference> _weights;

    public byte[] FileBytes { get; }
    public ViTokConfig Config { get; }

    TokenizerHandle(byte[] bytes, TokenizerInference inference, Func<TokenizerInference> load)
    {
        FileBytes = bytes;
        Config = inference.Config;
        _weights = new SharedWeights<TokenizerInference>(load, inference);
    }

    /// <summary>A forward pass's hold on the weights; dispose it when the pass is done.</summary>
    public SharedWeights<TokenizerInference>.Pass Use() => _weights.Begin();

    /// <summary>Whether the weights are in memory.</summary>
    public bool IsLoaded => _weights.IsLoaded;

    public BatchBuffer PixelBuffer(int slots)
    {
        using var pass = Use();
        return pass.Model.PixelBuffer(slots);
    }

    public BatchBuffer LatentBuffer(int slots)
    {
        using var pass = Use();
        return pass.Model.LatentBuffer(slots);
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
        TokenizerInference Load()
        {
            var loaded = TokenizerFile.Load(SafeTensorsFile.FromBytes(bytes, name));
            try { return new TokenizerInference(loaded, resolved, dtype); }
            catch
            {
                loaded.Dispose();
                throw;
            }
        }
        var inference = Load();
        try { return new TokenizerHandle(bytes, inference, Load); }
        catch
        {
            inference.Dispose();
            throw;
        }
    }

    /// <summary>The configuration of the tokenizer at <paramref name="path"/> or <paramref name="model"/>, from the file's header only.</summary>
    public static ViTokConfig ReadConfig(string? path, ViTokAutoEncoder? model) =>
        model?.Config ?? TokenizerFile.ReadConfig(path ?? throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory)."));

    /// <summary>Frees the weights now, or when the running forward passes end; a later pass loads them again.</summary>
    public void Dispose() => _weights.Release();
}
