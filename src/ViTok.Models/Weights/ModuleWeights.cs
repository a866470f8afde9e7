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

    /// <summary>
    /// A new module from <paramref name="file"/>: built by <paramref name="create"/>, its weights loaded, moved to
    /// <paramref name="device"/> (CPU by default) and put in eval mode; disposed again if any of that fails.
    /// </summary>
    public static T LoadNew<T>(Func<T> create, SafeTensorsFile file, Device? device = null) where T : nn.Module
    {
        var module = create();
        try
        {
            Load(module, file);
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

    /// <summary>Loads <paramref name="file"/> into <paramref name="module"/>; on any mismatch nothing is changed.</summary>
    public static void Load(nn.Module module, SafeTensorsFile file)
    {
        var state = module.state_dict();
        var missing = state.Keys.Where(k => !file.Entries.ContainsKey(k)).ToList();
        var unexpected = file.Entries.Keys.Where(k => !state.ContainsKey(k)).ToList();
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
            foreach (var name in state.Keys) loaded[name] = file.Read(name);
            using var _ = no_grad();
            foreach (var (name, target) in state) target.copy_(loaded[name]);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }

    static string Describe(List<string> names) =>
        names.Count <= 5 ? string.Join(", ", names.Select(n => $"'{n}'")) : string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + $" and {names.Count - 5} more";
}
