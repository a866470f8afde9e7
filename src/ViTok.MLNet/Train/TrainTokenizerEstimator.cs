using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.Models.Clips;
using ViTok.Models.Recipes;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;

namespace ViTok.MLNet;

/// <summary>
/// Trains a ViTok tokenizer on the images of an IDataView (stage 1 of the paper's recipe) and returns a
/// <see cref="TokenizeImagesTransformer"/> that adds their latents. The images are read once into memory (in
/// [-1, 1]) and trained on by the recipe `vitok train` runs (<see cref="TokenizerTrainingRecipe"/>: a held-out part for
/// evaluation, the same batch order, the perceptual loss), so the same options and images in the same order give the
/// same tokenizer; training progress goes to MLContext.Log. Create it with <c>mlContext.Transforms.TrainTokenizer(...)</c>.
/// </summary>
public sealed class TrainTokenizerEstimator : IEstimator<TokenizeImagesTransformer>
{
    /// <summary>The defaults of <see cref="TrainTokenizerOptions"/>: a small image tokenizer and a short CPU recipe.</summary>
    public static class Defaults
    {
        public const string Variant = "T-T/8";
        public const int Channels = 8;
        public const int ImageSize = 32;
        public const PositionEncoding Position = PositionEncoding.Rope3D;
        /// <summary>Steps of <see cref="Training"/>.</summary>
        public const long Steps = 2000;
        /// <summary>Peak learning rate of <see cref="Training"/> (small runs want more than the paper's).</summary>
        public const double LearningRate = 1e-3;
        /// <summary>Checkpoint interval of <see cref="Training"/>.</summary>
        public const int CheckpointEvery = 1000;

        /// <summary>The recipe: <see cref="TokenizerTrainingOptions.Defaults"/> with <see cref="Steps"/>, <see cref="LearningRate"/> and <see cref="CheckpointEvery"/>.</summary>
        public static TokenizerTrainingOptions Training => new()
        {
            Steps = Steps, LearningRate = LearningRate, CheckpointEvery = CheckpointEvery,
        };
    }

    readonly CatalogHost _host;
    readonly TrainTokenizerOptions _options;
    readonly ViTokConfig _config;

    internal TrainTokenizerEstimator(CatalogHost host, TrainTokenizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot<TrainTokenizerOptions>();   // later changes to the caller's object change nothing here
        if (string.IsNullOrWhiteSpace(options.OutputColumnName))
            throw new ArgumentException("OutputColumnName must name the latent column to add.", nameof(options));
        _config = ViTokConfig.FromVariant(options.Variant, options.Channels, options.ImageSize, position: options.Position);
        TokenizerTrainingRecipe.Check(_config, options.Training);
        _host = host;
        _options = options;
    }

    string Input => _options.InputColumnName ?? _options.OutputColumnName;

    public TokenizeImagesTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // A new run into a folder that holds one would replace its model and mix the histories: refused before any row is read.
        if (_options.RunFolder is { } runFolder && RunFolderContents.RefusalForNewRun(runFolder, _options.Resume, "Resume = true") is { } why)
            throw new ArgumentException($"RunFolder: {why}", "options");
        var kind = PixelInput.Check(ColumnShape.Find(input.Schema, Input, "Image"), 1, _config.ImageSize);
        var items = new List<float[]>();
        using (var cursor = input.GetRowCursor(RowLabel.TextColumns(input.Schema).Append(input.Schema[Input])))
        using (var reader = PixelInput.Create(kind, cursor, Input, _config.ImageSize, _options.PixelScale, _options.PixelOffset))
            while (cursor.MoveNext())
            {
                var pixels = new float[3 * _config.ImageSize * _config.ImageSize];
                reader.Read(pixels, cursor.Position);
                items.Add(pixels);
            }
        if (items.Count == 0) throw new ArgumentException($"Column '{Input}' has no rows to train on.");

        var training = _options.Training;
        var device = ModelHandles.ResolveDevice(_host, _options.Device, _options.Threads);
        var data = new InMemoryClipSource(items, 1, _config.ImageSize, _config.ImageSize, $"{items.Count} rows");
        string folder = _options.RunFolder ?? Directory.CreateTempSubdirectory("vitok-fit-").FullName;
        using var channel = ((IChannelProvider)_host.Environment).Start("TrainTokenizer");
        void Log(string message) => channel.Info(MessageSensitivity.None, "{0}", message);
        // The recipe `vitok train` runs: the same held-out split, data order, perceptual loss and evaluation.
        using var recipe = new TokenizerTrainingRecipe(_config, training, data, $"column '{Input}' of an IDataView", device, fd: _options.MeasureFd);
        recipe.Prepare();
        Log($"Training {_config.Variant} c={_config.Channels} on {recipe.Train.Count} images from column '{Input}' for {training.Steps} steps; " +
            (recipe.Evaluation is null ? "no evaluation (EvalItems 0)" : $"evaluating on {recipe.Evaluation.Count} held-out rows") + $"; run folder {folder}.");
        var progress = new InlineProgress<TrainingProgress>(p => Log(
            $"step {p.Step}/{p.Steps} loss {p.Loss:F4} ({string.Join(", ", p.Terms.Select(t => $"{t.Key} {t.Value:G4}"))}) {p.ItemsPerSecond:F1} img/s ETA {p.Eta:hh\\:mm\\:ss}" +
            (p.Evaluation is null ? "" : $"; {string.Join(", ", p.Evaluation.Select(e => $"{e.Key} {e.Value:F4}"))}")));
        // The rows were read above: only the training loop holds the thread setting (TorchThreads' lock).
        var result = TorchThreads.Run(_options.Threads, () => recipe.Run(folder, _options.Resume, progress: progress, log: Log));
        if (!result.Completed || result.ExportedModel is null)
            throw new InvalidOperationException($"Tokenizer training stopped at step {result.Step}; checkpoint {result.LastCheckpoint ?? "(none)"}.");
        if (result.LastEvaluation is { } evaluation) Log($"Evaluation: {string.Join(", ", evaluation.Select(e => $"{e.Key} {e.Value:F4}"))}");
        Log($"Trained tokenizer: {result.ExportedModel}");

        var options = new TokenizeImagesOptions
        {
            OutputColumnName = _options.OutputColumnName,
            InputColumnName = Input,
            TokenizerPath = result.ExportedModel,
            BatchSize = _options.BatchSize,
            Device = _options.Device,
            Threads = _options.Threads,
            PixelScale = _options.PixelScale,
            PixelOffset = _options.PixelOffset,
        };
        var tokenizer = ModelHandles.Tokenizer(_host, result.ExportedModel, null, TokenizerHalf.Encoder, _options.Device, _options.Threads, InferencePrecision.Float32);
        return ViTokTransformer.Owning(tokenizer, () => new TokenizeImagesTransformer(options, tokenizer));
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        PixelInput.Check(ColumnShape.Find(inputSchema, Input, "Image"), 1, _config.ImageSize);
        return EstimatorChecks.With(inputSchema, MLNetInternals.Column(_options.OutputColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
    }
}
