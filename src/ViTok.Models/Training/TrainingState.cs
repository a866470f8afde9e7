using System.Text.Json;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>What the trainers share for checkpoints and history: copying weights, restoring prefixed tensors, history lines.</summary>
static class TrainingState
{
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
