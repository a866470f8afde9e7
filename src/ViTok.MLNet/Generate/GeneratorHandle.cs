using ViTok.MLNet.Persistence;
using ViTok.Models.Generation;
using ViTok.Models.Weights;

namespace ViTok.MLNet.Generate;

/// <summary>
/// A loaded generator as the ML.NET components hold it: its <see cref="GeneratorInference"/> (on its device) and the
/// exact bytes of its safetensors file, which are what a saved pipeline stores. The file is read once: the weights
/// are loaded from the same bytes that are kept.
/// </summary>
sealed class GeneratorHandle : IDisposable
{
    public byte[] FileBytes { get; }
    public GeneratorInference Inference { get; }
    public LatentGenerator Generator => Inference.Generator;

    GeneratorHandle(byte[] bytes, GeneratorInference inference)
    {
        FileBytes = bytes;
        Inference = inference;
    }

    public static GeneratorHandle Create(CatalogHost host, string path, string? device, int threads)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Generator file '{path}' does not exist.", path);
        return FromBytes(host, File.ReadAllBytes(path), path, device, threads);
    }

    /// <summary>A handle over the bytes of a generator file (<paramref name="name"/> names them in errors), as a saved pipeline holds them.</summary>
    public static GeneratorHandle FromBytes(CatalogHost host, byte[] bytes, string name, string? device, int threads)
    {
        var resolved = TokenizerHandle.ResolveDevice(host, device, threads);
        return new GeneratorHandle(bytes, new GeneratorInference(GeneratorFile.Load(SafeTensorsFile.FromBytes(bytes, name), resolved)));
    }

    public void Dispose() => Inference.Dispose();
}
