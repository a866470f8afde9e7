using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Generate;
using ViTok.MLNet.Persistence;
using ViTok.Models.Generation;
using ViTok.Models.Recipes;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.MLNet;

/// <summary>
/// Trains a class-conditional DiT generator on the latents and labels of an IDataView and returns a
/// <see cref="GenerateLatentsTransformer"/> that samples latents for the labels of its input. <see cref="Fit"/> reads
/// every row once into memory (a <see cref="LatentSet"/>, also written to the run folder as latents.safetensors), so
/// training never pulls the data view (or the tokenizer before it) again; progress goes to MLContext.Log.
/// Create it with <c>mlContext.Transforms.TrainGenerator(...)</c>.
/// </summary>
public sealed class TrainGeneratorEstimator : IEstimator<GenerateLatentsTransformer>
{
    /// <summary>The defaults of <see cref="TrainGeneratorOptions"/> not taken from <see cref="DiTConfig.Defaults"/>,
    /// <see cref="GeneratorTrainingOptions.Defaults"/>, <see cref="SamplingOptions.Defaults"/> or <see cref="ComponentOptions.Defaults"/>.</summary>
    public static class Defaults
    {
        public const string LatentColumnName = "Latent";
    }

    readonly CatalogHost _host;
    readonly TrainGeneratorOptions _options;
    readonly ViTokConfig _tokenizer;

    internal TrainGeneratorEstimator(CatalogHost host, TrainGeneratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot<TrainGeneratorOptions>();   // later changes to the caller's object change nothing here
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("OutputColumnName must name the latent column the fitted transformer adds.", nameof(options));
        if (string.IsNullOrWhiteSpace(options.LatentColumnName) || string.IsNullOrWhiteSpace(options.LabelColumnName))
            throw new ArgumentException("LatentColumnName and LabelColumnName must name the training latents and their labels.", nameof(options));
        if (options.TokenizerPath is null)
            throw new ArgumentException("TokenizerPath must name the tokenizer that made the latents (it gives the token grid and channels).", nameof(options));
        if (!File.Exists(options.TokenizerPath))
            throw new FileNotFoundException($"Tokenizer file '{options.TokenizerPath}' does not exist.", options.TokenizerPath);
        if (options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        ArgumentNullException.ThrowIfNull(options.Training, "options.Training");
        _tokenizer = TokenizerFile.ReadConfig(options.TokenizerPath);
        options.Training.Validate();
        var objective = DiffusionObjectives.Create(Config(options, _tokenizer, classes: 1));   // size, dropout and objective are checked before any work
        GenerationRecipe.Sampling(objective, options.Sampler, options.SamplingSteps, options.GuidanceScale, options.GuidanceFrom, options.GuidanceTo, seed: options.SamplingSeed);
        _host = host;
        _options = options;
    }

    static DiTConfig Config(TrainGeneratorOptions o, ViTokConfig tokenizer, int classes) =>
        GeneratorTrainingRecipe.Config(tokenizer, o.Size, classes, o.Objective, o.ClassDropout);

    int LatentLength => _tokenizer.Tokens * _tokenizer.Channels;

    string ExpectedLatent => $"tokenizer {_tokenizer.Variant} ({_tokenizer.ImageSize}x{_tokenizer.ImageSize}, c={_tokenizer.Channels}) makes " +
                             $"{_tokenizer.Tokens} tokens x {_tokenizer.Channels} channels = {LatentLength} values";

    public GenerateLatentsTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // A new run into a folder that holds one would replace its model and mix the histories: refused before any row is read.
        if (_options.RunFolder is { } runFolder && RunFolderContents.RefusalForNewRun(runFolder, _options.Resume, "Resume = true") is { } why)
            throw new ArgumentException($"RunFolder: {why}", "options");
        string latentName = _options.LatentColumnName, labelName = _options.LabelColumnName;
        CheckLatent(ColumnShape.Find(input.Schema, latentName, "Latent"));
        CheckLabel(ColumnShape.Find(input.Schema, labelName, "Label"));
        var latentColumn = input.Schema[latentName];
        var labelColumn = input.Schema[labelName];
        bool isKey = labelColumn.Type is KeyDataViewType;

        // One pass over the data: the latents and labels are held in memory from here on.
        int length = LatentLength;
        long? hint = input.GetRowCount();
        var latents = new float[(int)Math.Min(Math.Max(hint ?? 256, 1), int.MaxValue / length) * length];
        var keys = new List<long>();
        var texts = new List<string>();
        ulong keyCount = isKey ? ((KeyDataViewType)labelColumn.Type).Count : 0;
        int n = 0;
        using (var cursor = input.GetRowCursor([latentColumn, labelColumn]))
        {
            var latentGetter = cursor.GetGetter<VBuffer<float>>(latentColumn);
            var keyGetter = isKey ? cursor.GetGetter<uint>(labelColumn) : null;
            var textGetter = isKey ? null : cursor.GetGetter<ReadOnlyMemory<char>>(labelColumn);
            VBuffer<float> buffer = default;
            uint key = 0;
            ReadOnlyMemory<char> text = default;
            while (cursor.MoveNext())
            {
                if ((long)(n + 1) * length > latents.Length)
                {
                    if ((long)latents.Length * 2 > Array.MaxLength)
                        throw new InvalidOperationException($"Column '{latentName}' has more rows than one in-memory latent set holds ({n}).");
                    Array.Resize(ref latents, latents.Length * 2);
                }
                latentGetter(ref buffer);
                if (buffer.Length != length)
                    throw new InvalidDataException($"Column '{latentName}', row {cursor.Position}: {buffer.Length} values; {ExpectedLatent}.");
                var row = latents.AsSpan(n * length, length);
                buffer.CopyTo(row);
                foreach (float v in row)
                    if (!float.IsFinite(v)) throw new InvalidDataException($"Column '{latentName}', row {cursor.Position}: the latent holds {v}.");
                if (keyGetter is not null)
                {
                    keyGetter(ref key);
                    if (key == 0 || key > keyCount)
                        throw new InvalidDataException($"Column '{labelName}', row {cursor.Position}: the label is missing (key {key}); every training row needs a class.");
                    keys.Add(key - 1);
                }
                else
                {
                    textGetter!(ref text);
                    var s = text.ToString();
                    if (string.IsNullOrWhiteSpace(s))
                        throw new InvalidDataException($"Column '{labelName}', row {cursor.Position}: the label is empty; every training row needs a class.");
                    texts.Add(s);
                }
                n++;
            }
        }
        if (n == 0) throw new ArgumentException($"Column '{latentName}' has no rows to train on.");
        Array.Resize(ref latents, n * length);

        IReadOnlyList<string> classes;
        long[] labels;
        if (isKey)
        {
            classes = ClassLabels.KeyNames(labelColumn) is { } names && (ulong)names.Length == keyCount
                ? names
                : Enumerable.Range(0, checked((int)keyCount)).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            labels = keys.ToArray();
        }
        else
        {
            var sorted = texts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            var clash = sorted.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (clash is not null)
                throw new ArgumentException($"Column '{labelName}' has classes that differ only by case ({string.Join(", ", clash.Select(c => $"'{c}'"))}); generation matches class names case-insensitively.");
            var index = sorted.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => (long)p.i, StringComparer.Ordinal);
            classes = sorted;
            labels = texts.Select(t => index[t]).ToArray();
        }
        var duplicate = classes.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Column '{labelName}' names two classes '{duplicate.Key}' (case-insensitively); generation could not tell them apart.");

        var config = Config(_options, _tokenizer, classes.Count);
        var device = ModelHandles.ResolveDevice(_host, _options.Device, _options.Threads);
        string folder = _options.RunFolder ?? Directory.CreateTempSubdirectory("vitok-fit-generator-").FullName;
        Directory.CreateDirectory(folder);
        using var channel = ((IChannelProvider)_host.Environment).Start("TrainGenerator");
        void Log(string message) => channel.Info(MessageSensitivity.None, "{0}", message);

        TrainingResult result;
        LatentSet set;
        using (NewDisposeScope())
            set = new LatentSet(tensor(latents, [n, _tokenizer.Tokens, _tokenizer.Channels]), tensor(labels), classes, _tokenizer,
                $"column '{latentName}' of an IDataView ({n} rows)");
        using (set)
        {
            set.Save(Path.Combine(folder, GeneratorTrainingRecipe.LatentFileName));
            var counts = new int[classes.Count];
            foreach (long l in labels) counts[l]++;
            var empty = Enumerable.Range(0, classes.Count).Where(k => counts[k] == 0).Select(k => classes[k]).ToArray();
            if (empty.Length > 0)
                channel.Warning(MessageSensitivity.None, "{0}", $"{empty.Length} of {classes.Count} classes have no training rows: {string.Join(", ", empty.Take(20))}.");
            var cost = DiTCost.Of(config);
            Log($"Training DiT-{config.Size.Name} ({cost.ParamsM:F2} M params) with {config.Objective} on {n} latents [{config.Tokens} x {config.Channels}] " +
                $"from column '{latentName}', {classes.Count} classes from '{labelName}', for {_options.Training.Steps} steps on {device}; run folder {folder}.");
            var progress = new InlineProgress<TrainingProgress>(p => Log(
                $"step {p.Step}/{p.Steps} loss {p.Loss:F4} lr {p.LearningRate:G3} ({string.Join(", ", p.Terms.Select(t => $"{t.Key} {t.Value:G4}"))}) " +
                $"{p.ItemsPerSecond:F1} latents/s ETA {p.Eta:hh\\:mm\\:ss}"));
            // The latents were read above: only the training loop holds the thread setting (TorchThreads' lock).
            result = TorchThreads.Run(_options.Threads, () => GeneratorTrainingRecipe.Run(config, _options.Training, set, device, folder, _options.Resume, progress, Log));
        }
        if (!result.Completed || result.ExportedModel is null)
            throw new InvalidOperationException($"Generator training stopped at step {result.Step}; checkpoint {result.LastCheckpoint ?? "(none)"}.");
        Log($"Trained generator: {result.ExportedModel}");

        var options = new GenerateLatentsOptions
        {
            OutputColumnName = _options.OutputColumnName,
            GeneratorPath = result.ExportedModel,
            LabelColumnName = labelName,
            SeedColumnName = _options.SeedColumnName,
            Sampler = _options.Sampler,
            Steps = _options.SamplingSteps,
            GuidanceScale = _options.GuidanceScale,
            GuidanceFrom = _options.GuidanceFrom,
            GuidanceTo = _options.GuidanceTo,
            Seed = _options.SamplingSeed,
            BatchSize = _options.BatchSize,
            Device = _options.Device,
            Threads = _options.Threads,
            Layout = _options.Layout,
        };
        var generator = ModelHandles.Generator(_host, result.ExportedModel, _options.Device, _options.Threads);
        return ViTokTransformer.Owning(generator, () => new GenerateLatentsTransformer(options, generator));
    }

    /// <summary>The one check of the training latents' column, for the estimator's schema and the data's (the length where the schema states it).</summary>
    void CheckLatent(ColumnShape latent)
    {
        if (latent.Kind != SchemaShape.Column.VectorKind.Vector || latent.RawType != typeof(float) || latent.IsKey || (latent.Size != 0 && latent.Size != LatentLength))
            throw new ArgumentException($"Column '{latent.Name}' has type {latent.Describe()}; the generator trains on float vectors of {LatentLength} latents: {ExpectedLatent}.");
    }

    /// <summary>The one check of the training labels' column: a key (U4) or text.</summary>
    static void CheckLabel(ColumnShape label)
    {
        if (!label.IsScalar || !(label.IsKey && label.RawType == typeof(uint) || !label.IsKey && label.ItemType is TextDataViewType))
            throw new ArgumentException($"Column '{label.Name}' has type {label.Describe()}; the generator trains on a key (U4) or text label column.");
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckLatent(ColumnShape.Find(inputSchema, _options.LatentColumnName, "Latent"));
        CheckLabel(ColumnShape.Find(inputSchema, _options.LabelColumnName, "Label"));
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
