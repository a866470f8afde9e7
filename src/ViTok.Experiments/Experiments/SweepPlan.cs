using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ViTok.Models.Experiments;

/// <summary>
/// A scaling sweep: runs that each train a tokenizer (and optionally a stage-2 decoder and a generator) and are
/// evaluated the same way. A plan is JSON:
/// <code>
/// { "name": "e-law", "description": "...", "threads": 1,
///   "stages": { "train": { "--data": "fashion-mnist?size=32", "--steps": 1200, "--no-fd": true },
///               "evaluate": { "--data": "fashion-mnist?split=test&amp;size=32", "--classifier": "fmnist" } },
///   "runs": [ { "name": "p4-c2", "train": { "--variant": "N-N/4", "--channels": 2 } } ] }
/// </code>
/// Stage options are the options of the matching <c>vitok</c> verb; a run's entries override the plan's (null removes
/// one, true is a flag). Stages, in order: <c>train</c> (vitok train), <c>train2</c> (vitok train --stage 2 --from
/// the stage-1 tokenizer; its options start from <c>train</c>'s), <c>evaluate</c> (vitok reconstruct), <c>train-generator</c>, <c>generate</c> (vitok
/// generate --evaluate). <c>train</c> and <c>evaluate</c> are required; a stage is run when the plan or the run names it.
/// A run may instead take its stage-1 tokenizer from an earlier run (<c>"reuse-train": "NAME"</c>, e.g. stage-2
/// variations of one stage-1 model), and may list the <c>"findings"</c> (numbers) it serves, for the notebooks.
/// </summary>
public sealed class SweepPlan
{
    /// <summary>The stages in the order they run.</summary>
    public static readonly string[] StageOrder = ["train", "train2", "evaluate", "train-generator", "generate"];

    /// <summary>Options the sweep sets itself (output folders, the models a stage reads, the thread count).</summary>
    static readonly string[] Reserved = ["--out", "--resume", "--from", "--model", "--tokenizer", "--threads", "--json"];

    public required string Name { get; init; }
    public string Description { get; init; } = "";
    /// <summary>Intra-op threads of every stage (recorded in each row: results are identical only at the same count).</summary>
    public int Threads { get; init; } = 1;
    public required IReadOnlyList<SweepRun> Runs { get; init; }
    /// <summary>The file the plan was read from.</summary>
    public string Path { get; init; } = "";

    public SweepRun Run(string name) => Runs.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"{Path}: no run named '{name}'; the plan has {string.Join(", ", Runs.Select(r => r.Name))}.");

    public static SweepPlan Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Sweep plan '{path}' does not exist.", path);
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ArgumentException($"{path}: not valid JSON ({e.Message}).", e); }
        return Parse(root as JsonObject ?? throw new ArgumentException($"{path}: a sweep plan is a JSON object."), path);
    }

    public static SweepPlan Parse(JsonObject root, string path)
    {
        string name = String(root, "name", path) ?? throw new ArgumentException($"{path}: 'name' is required.");
        if (!SafeName(name)) throw new ArgumentException($"{path}: name '{name}' may hold only letters, digits, '-', '_' and '.'.");
        int threads = root["threads"] is JsonValue t ? t.GetValue<int>() : 1;
        if (threads < 1) throw new ArgumentException($"{path}: threads {threads} must be at least 1.");
        var planStages = Stages(root["stages"], $"{path}: stages", allowNull: false);
        if (root["runs"] is not JsonArray runs || runs.Count == 0) throw new ArgumentException($"{path}: 'runs' must be a non-empty array.");
        var list = new List<SweepRun>();
        var names = new HashSet<string>();
        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i] as JsonObject ?? throw new ArgumentException($"{path}: runs[{i}] is not an object.");
            string runName = String(run, "name", path) ?? throw new ArgumentException($"{path}: runs[{i}] has no name.");
            if (!SafeName(runName)) throw new ArgumentException($"{path}: run name '{runName}' may hold only letters, digits, '-', '_' and '.'.");
            if (!names.Add(runName)) throw new ArgumentException($"{path}: two runs are named '{runName}'.");
            foreach (var key in run.Select(p => p.Key))
                if (key is not ("name" or "note" or "findings" or "reuse-train") && !StageOrder.Contains(key))
                    throw new ArgumentException($"{path}: run '{runName}': '{key}' is not a stage ({string.Join(", ", StageOrder)}), 'note', 'findings' or 'reuse-train'.");
            string? reuse = String(run, "reuse-train", path);
            if (reuse is not null && list.All(r => r.Name != reuse))
                throw new ArgumentException($"{path}: run '{runName}': reuse-train '{reuse}' is not a run listed before it.");
            if (reuse is not null && run["train"] is not null)
                throw new ArgumentException($"{path}: run '{runName}': give either 'train' options or 'reuse-train', not both.");
            int[] findings = run["findings"] switch
            {
                null => [],
                JsonArray a => a.Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<int>() : throw new ArgumentException($"{path}: run '{runName}': findings must be numbers.")).ToArray(),
                _ => throw new ArgumentException($"{path}: run '{runName}': findings must be an array of numbers."),
            };
            var merged = new Dictionary<string, IReadOnlyList<KeyValuePair<string, string?>>>();
            foreach (var stage in StageOrder)
            {
                var own = Stages(run[stage] is null ? null : new JsonObject { [stage] = run[stage]!.DeepClone() }, $"{path}: run '{runName}'", allowNull: true);
                if (!planStages.ContainsKey(stage) && !own.ContainsKey(stage)) continue;
                merged[stage] = Merge(planStages.GetValueOrDefault(stage), own.GetValueOrDefault(stage));
            }
            foreach (var required in new[] { "train", "evaluate" })
                if (!merged.ContainsKey(required)) throw new ArgumentException($"{path}: run '{runName}' has no '{required}' stage.");
            if (merged.ContainsKey("generate") != merged.ContainsKey("train-generator"))
                throw new ArgumentException($"{path}: run '{runName}': 'generate' and 'train-generator' go together.");
            if (reuse is not null) merged["train"] = list.First(r => r.Name == reuse).Stages["train"];
            // Stage 2 trains the same tokenizer on the same data: it starts from the train options, overridden by its own.
            if (merged.ContainsKey("train2")) merged["train2"] = Merge([.. merged["train"]], [.. merged["train2"]]);
            list.Add(new SweepRun(runName, run["note"]?.GetValue<string>() ?? "", merged) { ReuseTrain = reuse, Findings = findings });
        }
        return new SweepPlan { Name = name, Description = String(root, "description", path) ?? "", Threads = threads, Runs = list, Path = path };
    }

    static Dictionary<string, List<KeyValuePair<string, string?>>> Stages(JsonNode? node, string where, bool allowNull)
    {
        var result = new Dictionary<string, List<KeyValuePair<string, string?>>>();
        if (node is null) return result;
        if (node is not JsonObject stages) throw new ArgumentException($"{where}: stages must be an object.");
        foreach (var (stage, options) in stages)
        {
            if (!StageOrder.Contains(stage)) throw new ArgumentException($"{where}: '{stage}' is not a stage ({string.Join(", ", StageOrder)}).");
            if (options is not JsonObject o) throw new ArgumentException($"{where}: stage '{stage}' must be an object of options.");
            var list = new List<KeyValuePair<string, string?>>();
            foreach (var (key, value) in o)
            {
                if (!key.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"{where}: stage '{stage}': option '{key}' must start with --.");
                if (Reserved.Contains(key)) throw new ArgumentException($"{where}: stage '{stage}': {key} is set by the sweep itself.");
                string? text = value switch
                {
                    null when allowNull => null,
                    JsonValue v when v.GetValueKind() == JsonValueKind.True => "",
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
                    _ => throw new ArgumentException($"{where}: stage '{stage}': {key} must be a string, a number, true{(allowNull ? " or null" : "")}."),
                };
                list.Add(new(key, text));
            }
            result[stage] = list;
        }
        return result;
    }

    static List<KeyValuePair<string, string?>> Merge(List<KeyValuePair<string, string?>>? plan, List<KeyValuePair<string, string?>>? run)
    {
        var merged = new List<KeyValuePair<string, string?>>(plan ?? []);
        foreach (var (key, value) in run ?? [])
        {
            int at = merged.FindIndex(p => p.Key == key);
            if (value is null) { if (at >= 0) merged.RemoveAt(at); continue; }
            if (at >= 0) merged[at] = new(key, value); else merged.Add(new(key, value));
        }
        return merged.Where(p => p.Value is not null).ToList();
    }

    static string? String(JsonObject o, string key, string path) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new ArgumentException($"{path}: '{key}' must be a string."),
    };

    static bool SafeName(string s) => s.Length > 0 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.') && s != "." && s != "..";
}

/// <summary>One run of a sweep: its name and, per stage, the options given to that stage's verb.</summary>
public sealed record SweepRun(string Name, string Note, IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, string?>>> Stages)
{
    /// <summary>The earlier run whose stage-1 tokenizer this run starts from, or null when it trains its own.</summary>
    public string? ReuseTrain { get; init; }

    /// <summary>The scaling findings (1-6) this run serves.</summary>
    public IReadOnlyList<int> Findings { get; init; } = [];

    public bool Has(string stage) => Stages.ContainsKey(stage);

    /// <summary>The option's value in a stage (empty for a flag), or null when the stage does not set it.</summary>
    public string? Option(string stage, string option) =>
        Stages.TryGetValue(stage, out var options) ? options.FirstOrDefault(p => p.Key == option).Value : null;

    /// <summary>Command-line arguments of a stage's options, in plan order (flags without a value).</summary>
    public IEnumerable<string> Arguments(string stage)
    {
        foreach (var (key, value) in Stages[stage])
        {
            yield return key;
            if (value is { Length: > 0 }) yield return value;
        }
    }

    /// <summary>A hash of every stage option: a result row made with other options is stale.</summary>
    public string SpecHash(int threads)
    {
        var text = new StringBuilder($"threads={threads}\nreuse={ReuseTrain}\n");
        foreach (var stage in SweepPlan.StageOrder.Where(Has))
            text.Append(stage).Append(':').AppendJoin(' ', Arguments(stage)).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
