using ViTok.MLNet.Persistence;
using ViTok.Models.Generation;

namespace ViTok.MLNet.Generate;

/// <summary>
/// A loaded generator as the ML.NET components hold it: the <see cref="LatentGenerator"/> (on its device) and the
/// exact bytes of its safetensors file, which are what a saved pipeline stores.
/// </summary>
sealed class GeneratorHandle : IDisposable
{
    public byte[] FileBytes { get; }
    public LatentGenerator Generator { get; }

    GeneratorHandle(byte[] bytes, LatentGenerator generator)
    {
        FileBytes = bytes;
        Generator = generator;
    }

    public static GeneratorHandle Create(CatalogHost host, string path, string? device, int threads)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Generator file '{path}' does not exist.", path);
        var resolved = TokenizerHandle.ResolveDevice(host, device, threads);
        return new GeneratorHandle(File.ReadAllBytes(path), GeneratorFile.Load(path, resolved));
    }

    /// <summary>Rebuilds a handle from the bytes a saved pipeline holds.</summary>
    public static GeneratorHandle FromBytes(CatalogHost host, byte[] bytes, string? device, int threads)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"vitok-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(temp, bytes);
            return Create(host, temp, device, threads);
        }
        finally { File.Delete(temp); }
    }

    public void Dispose() => Generator.Dispose();
}
