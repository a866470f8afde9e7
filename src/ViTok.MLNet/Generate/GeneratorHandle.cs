using ViTok.MLNet.Persistence;
using ViTok.Models.Generation;
using ViTok.Models.Weights;

namespace ViTok.MLNet.Generate;

/// <summary>
/// A loaded generator as the ML.NET components hold it: its <see cref="GeneratorInference"/> (on its device) and the
/// exact bytes of its safetensors file, which are what a saved pipeline stores. The file is read once: the weights
/// are loaded from the same bytes that are kept, and loaded again from them after a release (<see cref="SharedWeights{T}"/>).
/// </summary>
sealed class GeneratorHandle : IDisposable
{
    readonly SharedWeights<GeneratorInference> _weights;

    public byte[] FileBytes { get; }
    /// <summary>The generator's class names, in key order.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The configuration of the tokenizer whose latents it generates.</summary>
    public ViTok.Models.Tokenizer.ViTokConfig Tokenizer { get; }
    public DiTConfig Config { get; }

    GeneratorHandle(byte[] bytes, GeneratorInference inference, Func<GeneratorInference> load)
    {
        FileBytes = bytes;
        ClassNames = inference.Generator.ClassNames.ToArray();
        Tokenizer = inference.Generator.Tokenizer;
        Config = inference.Generator.Config;
        _weights = new SharedWeights<GeneratorInference>(load, inference);
    }

    public ViTok.Models.Runtime.BatchBuffer LatentBuffer(int slots)
    {
        using var pass = Use();
        return pass.Model.LatentBuffer(slots);
    }

    /// <summary>A sampling call's hold on the weights; dispose it when the call is done.</summary>
    public SharedWeights<GeneratorInference>.Pass Use() => _weights.Begin();

    public static GeneratorHandle Create(CatalogHost host, string path, string? device, int threads)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Generator file '{path}' does not exist.", path);
        return FromBytes(host, File.ReadAllBytes(path), path, device, threads);
    }

    /// <summary>A handle over the bytes of a generator file (<paramref name="name"/> names them in errors), as a saved pipeline holds them.</summary>
    public static GeneratorHandle FromBytes(CatalogHost host, byte[] bytes, string name, string? device, int threads)
    {
        var resolved = ModelHandles.ResolveDevice(host, device, threads);
        GeneratorInference Load() => host.Loading(() => new GeneratorInference(GeneratorFile.Load(SafeTensorsFile.FromBytes(bytes, name), resolved)));
        var inference = Load();
        try { return new GeneratorHandle(bytes, inference, Load); }
        catch
        {
            inference.Dispose();
            throw;
        }
    }

    /// <summary>Whether the weights are in memory.</summary>
    public bool IsLoaded => _weights.IsLoaded;

    /// <summary>Frees the weights now, or when the running sampling calls end; a later call loads them again.</summary>
    public void Dispose() => _weights.Release();
}
