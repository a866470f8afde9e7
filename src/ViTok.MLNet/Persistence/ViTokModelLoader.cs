using System.IO.Compression;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using ViTok.MLNet.Persistence;

namespace ViTok.MLNet;

/// <summary>Loads ML.NET models that contain ViTok components.</summary>
public static class ViTokModelLoader
{
    /// <summary>
    /// Loads a model saved with mlContext.Model.Save that contains ViTok transformers, with their weights and
    /// options. Models without ViTok components load as with mlContext.Model.Load. The device is not taken from the
    /// file: the ViTok components run on <paramref name="device"/> ("cpu", "cuda" or "cuda:N") when given, else as
    /// ML.NET's own components do, on <c>mlContext.GpuDeviceId</c> (cuda:N) when set, else the CPU, honouring
    /// <c>mlContext.FallbackToCpu</c>. So a pipeline saved on a GPU machine loads on a CPU-only one. The thread count
    /// is the saved one unless <paramref name="threads"/> is given (a saved count above this machine's cores is refused,
    /// naming the component, so a pipeline saved on a larger machine loads here with <c>threads: 0</c>).
    /// </summary>
    public static ITransformer LoadWithViTok(this MLContext mlContext, string path, out DataViewSchema inputSchema, string? device = null, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return mlContext.LoadWithViTok(stream, out inputSchema, $"Model file '{path}'", device, threads);
    }

    /// <inheritdoc cref="LoadWithViTok(MLContext, string, out DataViewSchema, string?, int?)"/>
    public static ITransformer LoadWithViTok(this MLContext mlContext, Stream stream, out DataViewSchema inputSchema, string? device = null, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        return mlContext.LoadWithViTok(stream, out inputSchema, "The model stream", device, threads);
    }

    static ITransformer LoadWithViTok(this MLContext mlContext, Stream stream, out DataViewSchema inputSchema, string where, string? device, int? threads)
    {
        var seekable = stream.CanSeek ? stream : Copy(stream);
        long start = seekable.Position;
        DataViewSchema schema = null!;
        ITransformer model;
        try { model = ViTokTwin.WhileLoading(() => mlContext.Model.Load(seekable, out schema)); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // ML.NET builds each component by reflection, so its errors arrive wrapped in TargetInvocationExceptions.
            var cause = Unwrap(e);
            throw new InvalidDataException($"{where} could not be loaded by ML.NET: {cause.Message}", cause);
        }
        inputSchema = schema;

        seekable.Position = start;
        var components = new Queue<ITransformer>();
        using (var zip = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true))
        {
            // Entries were written depth-first in save order; the twins are met in the same order below.
            foreach (var manifestEntry in zip.Entries.Where(e => e.Name == ViTokComponentSaver.ManifestEntry))
            {
                string folder = manifestEntry.FullName[..^manifestEntry.Name.Length];
                var weightsEntry = zip.GetEntry(folder + ViTokComponentSaver.WeightsEntry)
                    ?? throw new InvalidDataException($"{where}: '{folder}' has a ViTok manifest but no weights ({ViTokComponentSaver.WeightsEntry}).");
                string json;
                using (var r = new StreamReader(manifestEntry.Open())) json = r.ReadToEnd();
                var manifest = ComponentManifest.FromJson(json, $"{where}: {manifestEntry.FullName}");
                var weights = ReadWeights(weightsEntry, where);
                var host = CatalogHost.Of(mlContext);
                string name = $"{weightsEntry.FullName} (in the model)";
                try
                {
                    components.Enqueue(manifest.Kind switch
                    {
                        ComponentManifest.TokenizeKind => TokenizeImagesTransformer.FromManifest(host, manifest, weights, name, device, threads),
                        ComponentManifest.DecodeKind => DecodeLatentsTransformer.FromManifest(host, manifest, weights, name, device, threads),
                        ComponentManifest.GenerateKind => GenerateLatentsTransformer.FromManifest(host, manifest, weights, name, device, threads),
                        ComponentManifest.ReadImagesKind => ReadImagesTransformer.FromManifest(manifest),
                        _ => throw new InvalidDataException($"names an unknown ViTok component '{manifest.Kind}'."),
                    });
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    foreach (var loaded in components) (loaded as IDisposable)?.Dispose();
                    throw new InvalidDataException($"{where}: the ViTok component in '{folder}' could not be loaded: {e.Message}", e);
                }
            }
        }
        var all = components.ToList();
        try
        {
            ITransformer result;
            try { result = Replace(model, components); }
            catch (InvalidDataException e) { throw new InvalidDataException($"{where} {e.Message}", e); }
            if (components.Count > 0)
                throw new InvalidDataException($"{where}: {components.Count} ViTok component(s) stored in the zip have no place in the loaded pipeline.");
            return result;
        }
        catch
        {
            foreach (var loaded in all) (loaded as IDisposable)?.Dispose();   // the weights of a pipeline that failed to load are freed now
            throw;
        }
    }

    /// <summary>
    /// The bytes of a weights entry. Its declared size is checked before anything is allocated: a zip entry can claim
    /// up to 2 GB (or more) whatever it holds, and deflate expands at most about 1032:1.
    /// </summary>
    static byte[] ReadWeights(ZipArchiveEntry entry, string where)
    {
        const long MaxExpansion = 1100;
        if (entry.Length > Array.MaxLength || entry.Length > entry.CompressedLength * MaxExpansion + 4096)
            throw new InvalidDataException($"{where}: '{entry.FullName}' declares {entry.Length:N0} bytes from {entry.CompressedLength:N0} compressed; " +
                "no deflated weights file expands that much (the zip is damaged or was changed after saving).");
        try
        {
            var weights = new byte[entry.Length];
            using var s = entry.Open();
            s.ReadExactly(weights);
            return weights;
        }
        catch (OutOfMemoryException e)
        {
            throw new InvalidDataException($"{where}: '{entry.FullName}' declares {entry.Length:N0} bytes, more than this process can hold.", e);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InvalidDataException($"{where}: '{entry.FullName}' could not be read: {e.Message}", e);
        }
    }

    static Exception Unwrap(Exception e)
    {
        while (e is TargetInvocationException { InnerException: { } inner }) e = inner;
        return e;
    }

    static ITransformer Replace(ITransformer transformer, Queue<ITransformer> components)
    {
        if (transformer is CustomMappingTransformer<TwinInput, TwinOutput>)
        {
            if (!components.TryDequeue(out var real))
                throw new InvalidDataException("holds a ViTok placeholder with no stored component (the zip was changed after saving?).");
            return real;
        }
        if (transformer is IEnumerable<ITransformer> chain)
        {
            var parts = chain.Select(t => Replace(t, components)).ToArray();
            return new TransformerChain<ITransformer>(parts);
        }
        return transformer;
    }

    static MemoryStream Copy(Stream stream)
    {
        var m = new MemoryStream();
        stream.CopyTo(m);
        m.Position = 0;
        return m;
    }
}
