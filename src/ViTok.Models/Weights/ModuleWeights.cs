using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Weights;

/// <summary>
/// Saves a module's state (parameters and persistent buffers) to safetensors, and loads it back all-or-nothing:
/// every name, dtype and shape is checked and every tensor read before the first one is copied into the module.
/// </summary>
public static class ModuleWeights
{
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string> metadata) =>
        SafeTensorsFile.Write(path, module.state_dict().Select(kv => (kv.Key, kv.Value)), metadata);

    /// <summary>The bytes <see cref="Save"/> writes, in memory.</summary>
    public static byte[] ToBytes(nn.Module module, IReadOnlyDictionary<string, string> metadata) =>
        SafeTensorsFile.ToBytes(module.state_dict().Select(kv => (kv.Key, kv.Value)), metadata);

    /// <summary>
    /// A new module from <paramref name="file"/>: built by <paramref name="create"/>, its weights loaded, moved to
    /// <paramref name="device"/> (CPU by default) and put in eval mode; disposed again if any of that fails.
    /// </summary>
    public static T LoadNew<T>(Func<T> create, SafeTensorsFile file, Device? device = null, IReadOnlyDictionary<string, string>? legacyCopies = null) where T : nn.Module
    {
        var module = create();
        try
        {
            Load(module, file, legacyCopies);
            if (device is not null && device.type != DeviceType.CPU) module.to(device);
            module.eval();
            return module;
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads <paramref name="file"/> into <paramref name="module"/>; on any mismatch, or a NaN or infinite value in a
    /// tensor (named in the error), nothing is changed. <paramref name="legacyCopies"/> names tensors that older files
    /// hold twice (name -> the module's name for the same tensor): such a copy is accepted when it equals the tensor
    /// exactly, and ignored.
    /// </summary>
    public static void Load(nn.Module module, SafeTensorsFile file, IReadOnlyDictionary<string, string>? legacyCopies = null)
    {
        var state = module.state_dict();
        var missing = state.Keys.Where(k => !file.Entries.ContainsKey(k)).ToList();
        var copies = file.Entries.Keys.Where(k => !state.ContainsKey(k) && legacyCopies is not null && legacyCopies.TryGetValue(k, out var of) && state.ContainsKey(of)).ToList();
        var unexpected = file.Entries.Keys.Where(k => !state.ContainsKey(k) && !copies.Contains(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"Weights file '{file.Path}' does not fit the model: " +
                (missing.Count > 0 ? $"missing {Describe(missing)}" : "") +
                (missing.Count > 0 && unexpected.Count > 0 ? "; " : "") +
                (unexpected.Count > 0 ? $"unexpected {Describe(unexpected)}" : "") + ".");
        foreach (var (name, target) in state)
        {
            var entry = file.Entries[name];
            if (!entry.Shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"Weights file '{file.Path}': tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], the model expects [{string.Join(", ", target.shape)}].");
            if (entry.DType != target.dtype)
                throw new InvalidDataException($"Weights file '{file.Path}': tensor '{name}' is {entry.DType}, the model expects {target.dtype}.");
        }

        var loaded = new Dictionary<string, Tensor>();
        try
        {
            foreach (var name in state.Keys)
            {
                loaded[name] = file.Read(name);
                if (loaded[name].is_floating_point() && !AllFinite(loaded[name]))
                    throw new InvalidDataException($"Weights file '{file.Path}': tensor '{name}' holds NaN or infinite values; the file is damaged or comes from a diverged run.");
            }
            foreach (var copy in copies)
            {
                using var value = file.Read(copy);
                if (!SameValues(value, loaded[legacyCopies![copy]]))
                    throw new InvalidDataException($"Weights file '{file.Path}': tensor '{copy}' (an older copy of '{legacyCopies[copy]}') differs from it.");
            }
            using var _ = no_grad();
            foreach (var (name, target) in state) target.copy_(loaded[name]);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    static bool AllFinite(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.isfinite().all().item<bool>();
    }

    static bool SameValues(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
    }

    static string Describe(List<string> names) =>
        names.Count <= 5 ? string.Join(", ", names.Select(n => $"'{n}'")) : string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + $" and {names.Count - 5} more";
}
