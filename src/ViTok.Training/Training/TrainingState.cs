using System.Text.Json;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>What the trainers share for checkpoints and history: copying weights, restoring prefixed tensors, history lines.</summary>
static class TrainingState
{
    /// <summary>Checkpoint metadata: the training options (JSON) and the canonical description of the training data.</summary>
    public const string OptionsKey = "train.options", DataKey = "train.data";

    /// <summary>
    /// Refuses to resume <paramref name="checkpoint"/> when it was written with other options than
    /// <paramref name="currentJson"/> (the options' JSON; those in <paramref name="mayChange"/> are not compared) or on
    /// other data than <paramref name="dataSource"/>, naming each change, unless <paramref name="force"/>, with which
    /// the changes are logged. Checkpoints written before options or data were stored are not compared on them.
    /// </summary>
    public static void CheckResumed(SafeTensorsFile checkpoint, string currentJson, IReadOnlySet<string> mayChange, string dataSource, bool force, Action<string>? log)
    {
        var changed = checkpoint.Metadata.TryGetValue(OptionsKey, out string? savedJson) ? OptionChanges(savedJson, currentJson, mayChange) : [];
        if (checkpoint.Metadata.TryGetValue(DataKey, out string? savedData) && savedData != WithoutNewerParts(dataSource, savedData))
            changed.Add($"data '{savedData}' -> '{dataSource}'");
        Refuse(checkpoint.Path, changed, force, log);
    }

    /// <summary>
    /// <paramref name="dataSource"/> without the file fingerprint (", files HEX") when <paramref name="saved"/>, written
    /// before data descriptions carried one, has none: such checkpoints are compared on what they stored.
    /// </summary>
    static string WithoutNewerParts(string dataSource, string saved)
    {
        const string Files = ", files ";
        int at = dataSource.LastIndexOf(Files, StringComparison.Ordinal);
        return at >= 0 && !saved.Contains(Files, StringComparison.Ordinal) ? dataSource[..at] : dataSource;
    }

    /// <summary>The options part of <see cref="CheckResumed"/>: <paramref name="savedJson"/> against <paramref name="currentJson"/>.</summary>
    public static void CheckResumedOptions(string path, string savedJson, string currentJson, IReadOnlySet<string> mayChange, bool force, Action<string>? log) =>
        Refuse(path, OptionChanges(savedJson, currentJson, mayChange), force, log);

    static List<string> OptionChanges(string savedJson, string currentJson, IReadOnlySet<string> mayChange)
    {
        var saved = System.Text.Json.Nodes.JsonNode.Parse(savedJson)!.AsObject();
        var current = System.Text.Json.Nodes.JsonNode.Parse(currentJson)!.AsObject();
        return current.Where(p => !mayChange.Contains(p.Key))
            .Where(p => !System.Text.Json.Nodes.JsonNode.DeepEquals(p.Value, saved[p.Key]))
            .Select(p => $"{p.Key} {saved[p.Key]?.ToJsonString() ?? "(absent)"} -> {p.Value?.ToJsonString() ?? "null"}").ToList();
    }

    static void Refuse(string path, List<string> changed, bool force, Action<string>? log)
    {
        if (changed.Count == 0) return;
        string list = string.Join(", ", changed);
        if (!force)
            throw new InvalidDataException($"Checkpoint '{path}' was written with other options: {list}. Resume with the same options and data, or accept the change (--force-options).");
        log?.Invoke($"resuming with changed options: {list}");
    }

    /// <summary>Copies every state tensor of <paramref name="source"/> into <paramref name="target"/> (same architecture).</summary>
    public static void CopyWeights(nn.Module target, nn.Module source)
    {
        using var _ = no_grad();
        var src = source.state_dict();
        foreach (var (name, t) in target.state_dict()) t.copy_(src[name]);
    }

    /// <summary>The state of <paramref name="module"/> under names prefixed with <paramref name="prefix"/> (for checkpoints).</summary>
    public static IEnumerable<(string, Tensor)> Prefixed(string prefix, nn.Module module) =>
        module.state_dict().Select(kv => (prefix + kv.Key, kv.Value));

    /// <summary>Loads tensors saved under <paramref name="prefix"/> into <paramref name="module"/>, naming any missing or misshapen one.</summary>
    public static void LoadPrefixed(SafeTensorsFile file, string prefix, nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (name, t) in module.state_dict())
        {
            if (!file.Entries.ContainsKey(prefix + name))
                throw new InvalidDataException($"Checkpoint '{file.Path}' lacks tensor '{prefix + name}'.");
            using var saved = file.Read(prefix + name);
            if (!saved.shape.SequenceEqual(t.shape))
                throw new InvalidDataException($"Checkpoint '{file.Path}': '{prefix + name}' has shape [{string.Join(", ", saved.shape)}], expected [{string.Join(", ", t.shape)}].");
            t.copy_(saved);
        }
    }

    /// <summary>One history.jsonl line: step, loss, learning rate, throughput, loss terms and evaluation ("eval_" prefixed).</summary>
    public static string HistoryLine(TrainingProgress p)
    {
        var line = new Dictionary<string, object>
        {
            ["step"] = p.Step,
            ["loss"] = p.Loss,
            ["lr"] = p.LearningRate,
            ["items_per_s"] = Math.Round(p.ItemsPerSecond, 3),
        };
        foreach (var (k, v) in p.Terms) line[k] = v;
        if (p.Evaluation is not null)
            foreach (var (k, v) in p.Evaluation) line["eval_" + k] = v;
        return JsonSerializer.Serialize(line);
    }
}
