using System.CommandLine;
using System.Globalization;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using ViTok.Models.Training;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok train-classifier`: trains the small CNN image classifier used by `vitok metrics --classifier` (IS, FD and class
/// accuracy of generated images) on a labelled SOURCE and reports its accuracy on a test SOURCE.
/// </summary>
public sealed class TrainClassifierVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _data = new("--data") { Description = "Labelled training images. " + DataOptions.SourceHelp, Required = true };
    readonly Option<string> _test = new("--test") { Description = "Labelled test images with the same classes (e.g. fashion-mnist?split=test).", Required = true };
    readonly Option<string> _out = new("--out") { Description = "Classifier file to write (.safetensors; written atomically).", Required = true };
    readonly Option<int> _epochs = new("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => ImageClassifierTrainingOptions.Defaults.Epochs };
    readonly Option<int> _batch = new("--batch") { Description = "Images per step.", DefaultValueFactory = _ => ImageClassifierTrainingOptions.Defaults.BatchSize };
    readonly Option<double> _lr = new("--lr") { Description = "Peak learning rate (AdamW, warm-up then cosine decay).", DefaultValueFactory = _ => ImageClassifierTrainingOptions.Defaults.LearningRate };
    readonly Option<long> _seed = new("--seed") { Description = "Seed of initialisation, data order and flips.", DefaultValueFactory = _ => ImageClassifierTrainingOptions.Defaults.Seed };
    readonly Option<int> _imageSize = new("--image-size") { Description = "Side the sources are brought to when their SOURCE text does not say (fashion-mnist: size; folder: resize and crop).", DefaultValueFactory = _ => 32 };
    readonly Option<string> _widths = new("--widths") { Description = "Channels of the stages, comma-separated (a 2x2 max-pool between stages).", DefaultValueFactory = _ => string.Join(",", ImageClassifierConfig.DefaultWidths) };
    readonly Option<double> _flip = new("--flip") { Description = "Probability of a random horizontal flip of a training image.", DefaultValueFactory = _ => ImageClassifierTrainingOptions.Defaults.FlipProbability };
    readonly Option<int> _workers = new("--workers") { Description = "Background decoding workers.", DefaultValueFactory = _ => ImageClassifierTrainingOptions.Defaults.Workers };
    readonly Option<int> _logEvery = new("--log-every") { Description = "Steps between progress lines.", DefaultValueFactory = _ => ImageClassifierTrainingOptions.Defaults.LogEvery };

    public Command Create()
    {
        var command = new Command("train-classifier", "Train the small image classifier used for IS, FD and class accuracy of generated images.");
        foreach (var o in new Option[] { _data, _test, _out, _epochs, _batch, _lr, _seed, _imageSize, _widths, _flip, _workers, _logEvery })
            command.Options.Add(o);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        var options = new ImageClassifierTrainingOptions
        {
            Epochs = parse.GetValue(_epochs), BatchSize = parse.GetValue(_batch), LearningRate = parse.GetValue(_lr), Seed = parse.GetValue(_seed),
            Widths = ParseWidths(parse.GetValue(_widths)!), FlipProbability = parse.GetValue(_flip),
            Workers = parse.GetValue(_workers), LogEvery = parse.GetValue(_logEvery),
        };
        foreach (var (option, ok, value, what) in new (string, bool, object, string)[]
                 {
                     ("--epochs", options.Epochs >= 1, options.Epochs, "must be at least 1"),
                     ("--batch", options.BatchSize >= 1, options.BatchSize, "must be at least 1"),
                     ("--lr", options.LearningRate > 0 && double.IsFinite(options.LearningRate), options.LearningRate, "must be a positive number"),
                     ("--flip", options.FlipProbability is >= 0 and <= 1, options.FlipProbability, "must be a probability between 0 and 1"),
                     ("--workers", options.Workers >= 1, options.Workers, "must be at least 1"),
                     ("--log-every", options.LogEvery >= 1, options.LogEvery, "must be at least 1"),
                 })
            if (!ok) throw new UsageException($"{option}: {Convert.ToString(value, CultureInfo.InvariantCulture)} {what}.");
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        int size = parse.GetValue(_imageSize);
        if (size < 4) throw new UsageException($"--image-size: {size} must be at least 4.");
        string output = OutputPaths.RequireFile("--out", parse.GetValue(_out)!);

        var defaults = new ClipSourceDefaults(size, Seed: (int)options.Seed);
        var train = OpenLabelled("--data", parse.GetValue(_data)!, defaults);
        var test = OpenLabelled("--test", parse.GetValue(_test)!, defaults);
        if (!test.ClassNames.SequenceEqual(train.ClassNames, StringComparer.Ordinal))
            throw new UsageException($"--test: {test.Description} has the classes [{string.Join(", ", test.ClassNames)}]; --data has [{string.Join(", ", train.ClassNames)}].");
        CheckImages("--data", train);
        CheckImages("--test", test);

        var device = TorchRuntime.Resolve(_compute.Read(parse));
        using var console = new TrainingConsole(context.Out, "stopping after this step; nothing will be written.");
        var trainer = new ImageClassifierTrainer(options, device);
        ImageClassifierTrainingResult result;
        try
        {
            result = trainer.Train(train, test, output, console, console.Log, console.Token);
        }
        catch (OperationCanceledException)
        {
            context.Out.WriteLine("stopped; nothing was written.");
            return VitokApp.Failure;
        }
        using var model = result.Model;
        var accuracy = result.Test!;
        static string Percent(double v) => (100 * v).ToString("F2", CultureInfo.InvariantCulture) + " %";
        context.Out.WriteLine($"test accuracy {Percent(accuracy.Accuracy)} ({accuracy.Correct}/{accuracy.Count}) on {test.Description}");
        int nameWidth = Math.Max(12, model.Config.ClassNames.Max(n => n.Length) + 2);
        foreach (var c in accuracy.PerClass.Where(c => c.Requested > 0))
            context.Out.WriteLine($"  {c.Name.PadRight(nameWidth)} {Percent(c.Accuracy!.Value)} ({c.Correct}/{c.Requested})");
        long bytes = new FileInfo(output).Length;
        context.Out.WriteLine($"wrote {output} ({bytes / 1024.0 / 1024.0:F2} MB; {result.Steps} steps in {result.Elapsed.TotalSeconds:F0} s)");
        return VitokApp.Success;
    }

    static int[] ParseWidths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new UsageException($"--widths: '{text}' is not valid; give positive channel counts separated by commas (e.g. 32,64,128,128).");
        return widths;
    }

    /// <summary>Opens a SOURCE and requires class labels; any problem is a usage error naming the option.</summary>
    static IClipSource OpenLabelled(string option, string text, ClipSourceDefaults defaults)
    {
        IClipSource source;
        try { source = DataOptions.Open(option, text, defaults); }
        catch (IOException e) { throw new UsageException($"{option}: {e.Message}"); }
        if (source.Count == 0) throw new UsageException($"{option}: {source.Description} has no items.");
        if (source.ClassNames.Count < 2)
            throw new UsageException($"{option}: {source.Description} has {(source.ClassNames.Count == 0 ? "no class labels" : "only one class")}; " +
                                     "the classifier needs labelled images of at least 2 classes (fashion-mnist, synthetic, or folder:PATH?labels=subfolders).");
        return source;
    }

    static void CheckImages(string option, IClipSource source)
    {
        Clip first;
        try { first = source.Read(0, new Random(0)); }
        catch (Exception e) when (e is IOException or BadItemException or InvalidDataException) { throw new UsageException($"{option}: {e.Message}"); }
        if (first.Frames != 1) throw new UsageException($"{option}: {source.Description} gives clips of {first.Frames} frames; the classifier takes images.");
        if (first.Height != first.Width) throw new UsageException($"{option}: {source.Description} gives {first.Width}x{first.Height} images; the classifier takes square images (add crop=N).");
    }
}
