using ViTok.MLNet.Generate;
using ViTok.MLNet.Persistence;
using ViTok.Models.Generation;
using ViTok.Models.Weights;
using ViTok.MLNet.Tokenize;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.MLNet;

/// <summary>
/// A loaded model as the ML.NET components hold it, whatever it is (a tokenizer of either family, a generator): the
/// inference object (on its device and precision), what it says of itself (<see cref="Info"/>, kept when the weights
/// are released), and the exact bytes of its file with their format, which are what a saved pipeline stores. The
/// file is read once: the weights are loaded from the same bytes that are kept, and loaded again from them after a
/// release (<see cref="SharedWeights{T}"/>).
/// </summary>
sealed class ModelHandle<TModel, TInfo> : IModelHandle where TModel : class, IDisposable
{
    readonly SharedWeights<TModel> _weights;

    public byte[] FileBytes { get; }
    /// <summary>The weight format recorded beside the bytes (e.g. <see cref="TokenizerFiles.ViTokV2Format"/>).</summary>
    public string Format { get; }
    public TInfo Info { get; }

    /// <summary>Loads the model from <paramref name="bytes"/> once now (errors surface here) and again after each release.</summary>
    public ModelHandle(byte[] bytes, string format, Func<TModel> load, Func<TModel, TInfo> describe)
    {
        var model = load();
        try { Info = describe(model); }
        catch
        {
            model.Dispose();
            throw;
        }
        FileBytes = bytes;
        Format = format;
        _weights = new SharedWeights<TModel>(load, model);
    }

    /// <summary>A forward pass's hold on the weights; dispose it when the pass is done.</summary>
    public SharedWeights<TModel>.Pass Use() => _weights.Begin();

    /// <summary>Whether the weights are in memory.</summary>
    public bool IsLoaded => _weights.IsLoaded;

    /// <summary>Frees the weights now, or when the running forward passes end; a later pass loads them again.</summary>
    public void Dispose() => _weights.Release();
}

/// <summary>What a transformer needs of the model it owns, whatever the model: the bytes to save, whether the weights are
/// in memory, and freeing them.</summary>
interface IModelHandle : IDisposable
{
    byte[] FileBytes { get; }
    bool IsLoaded { get; }
}

/// <summary>How the components open their models.</summary>
static class ModelHandles
{
    /// <summary>The tokenizer (either family) <paramref name="source"/> holds, the half <paramref name="half"/> a component runs.</summary>
    public static TokenizerHandle Tokenizer(CatalogHost host, TokenizerSource source, TokenizerHalf half, string? device, int threads, InferencePrecision precision)
    {
        var resolved = ResolveDevice(host, device, threads);
        var dtype = precision == InferencePrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        return new TokenizerHandle(source.Bytes, source.Format, () => host.Loading(() => TokenizerFiles.Load(source, half, resolved, dtype)), t => t.Shape);
    }

    /// <summary>The tokenizer at <paramref name="path"/> (a file or a ViTok-v2 folder), or a copy of <paramref name="model"/> (its file bytes, so it can be saved).</summary>
    public static TokenizerHandle Tokenizer(CatalogHost host, string? path, ViTokAutoEncoder? model, TokenizerHalf half, string? device, int threads, InferencePrecision precision) =>
        Tokenizer(host, Source(path, model, half), half, device, threads, precision);

    /// <summary>The bytes to load from: the file (or the half of a folder) at <paramref name="path"/>, or <paramref name="model"/>'s.</summary>
    public static TokenizerSource Source(string? path, ViTokAutoEncoder? model, TokenizerHalf half)
    {
        if ((path is null) == (model is null))
            throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory).");
        return path is null ? TokenizerFiles.FromModel(model!) : TokenizerFiles.Read(path, half);
    }

    /// <summary>The shape of the tokenizer at <paramref name="path"/> or <paramref name="model"/>, from the file's header only.</summary>
    public static TokenizerShape Shape(CatalogHost host, string? path, ViTokAutoEncoder? model, TokenizerHalf half) =>
        model is not null ? TokenizerShape.Of(model.Config)
        : host.Loading(() => TokenizerFiles.ReadShape(path ?? throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory)."), half));

    /// <summary>The generator file at <paramref name="path"/>.</summary>
    public static GeneratorHandle Generator(CatalogHost host, string path, string? device, int threads)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Generator file '{path}' does not exist.", path);
        return Generator(host, File.ReadAllBytes(path), path, device, threads);
    }

    /// <summary>A generator over the bytes of its file (<paramref name="name"/> names them in errors), as a saved pipeline holds them.</summary>
    public static GeneratorHandle Generator(CatalogHost host, byte[] bytes, string name, string? device, int threads)
    {
        var resolved = ResolveDevice(host, device, threads);
        return new GeneratorHandle(bytes, GeneratorFormat,
            () => host.Loading(() => new GeneratorInference(GeneratorFile.Load(SafeTensorsFile.FromBytes(bytes, name), resolved))), GeneratorInfo.Of);
    }

    /// <summary>The format a generator's bytes are recorded with.</summary>
    public const string GeneratorFormat = "vitok-generator";

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
}
