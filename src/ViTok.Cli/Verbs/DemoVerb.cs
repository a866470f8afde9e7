using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TorchSharp;
using ViTok.MLNet;
using ViTok.Models.Clips;
using ViTok.Models.Generation;
using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Cli.Verbs;

/// <summary>
/// `vitok demo`: the shipped tokenizers in ML.NET pipelines on the bundled samples. Photos: LoadImages, ResizeImages,
/// TokenizeImages, DecodeLatents, with PSNR/SSIM per photo. Fashion-MNIST: a classifier trained on latents against one
/// trained on raw pixels. Generation: the shipped DiT draws each Fashion-MNIST class (GenerateLatents, DecodeLatents).
/// Grids of originals and reconstructions, and of generated samples (a row per class), are written to the output folder.
/// </summary>
public sealed class DemoVerb : IVerb
{
    readonly ComputeOptionSet _compute = new();
    readonly Option<string> _out = new("--out") { Description = "Output folder.", DefaultValueFactory = _ => "vitok-demo" };

    public Command Create()
    {
        var command = new Command("demo", "Run the shipped tokenizers in ML.NET pipelines on the bundled samples (the README's main command).");
        command.Options.Add(_out);
        _compute.AddTo(command);
        return command;
    }

    public int Execute(ParseResult parse, VerbContext context)
    {
        var compute = _compute.Read(parse);
        var info = TorchRuntime.Describe(compute);
        string folder = OutputPaths.RequireFolder("--out", parse.GetValue(_out)!);
        Directory.CreateDirectory(folder);
        var o = context.Out;
        var clock = Stopwatch.StartNew();
        o.WriteLine($"vitok demo: TorchSharp {info.TorchSharpVersion}, libtorch {info.LibTorchVersion}, {info.Device}, {info.Threads} threads");
        var ml = new MLContext(seed: 0);
        if (compute.Device != "cpu" && ComputeOptions.ParseDevice(compute.Device) is { Type: DeviceType.CUDA } cuda) ml.GpuDeviceId = cuda.Index;
        ml.FallbackToCpu = compute.FallbackToCpu;

        Photos(ml, folder, o);
        FashionMnist(ml, folder, o);
        Generation(ml, folder, o);
        VideoGeneration(ml, folder, o);
        o.WriteLine($"outputs in {folder} (photos-grid.png, fashion-mnist-grid.png, fashion-mnist-generated.png, sprites-generated.gif, sprites-CLASS.gif); {clock.Elapsed.TotalSeconds:F0} s in all");
        return VitokApp.Success;
    }

    sealed class PhotoRow
    {
        public string File { get; set; } = "";
    }

    static void Photos(MLContext ml, string folder, TextWriter o)
    {
        string tokenizer = Bundled.Require(Bundled.PhotoTokenizer);
        string photos = Bundled.Require(Bundled.SamplePhotos);
        var config = TokenizerFile.ReadConfig(tokenizer);
        int size = config.ImageSize;
        var rows = Directory.GetFiles(photos, "*.jpg").Order(StringComparer.Ordinal).Select(f => new PhotoRow { File = Path.GetFileName(f) }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.LoadImages("Image", photos, nameof(PhotoRow.File))
            .Append(ml.Transforms.ResizeImages("Image", size, size, resizing: ImageResizingEstimator.ResizingKind.IsoCrop))
            .Append(ml.Transforms.TokenizeImages("Latent", tokenizer, "Image"))
            .Append(ml.Transforms.DecodeLatents("Decoded", tokenizer, "Latent"))
            .Append(ml.Transforms.ExtractPixels("Original", "Image"))
            .Append(ml.Transforms.ExtractPixels("Reconstruction", "Decoded"));
        var output = pipeline.Fit(data).Transform(data);
        var originals = Pixels(output, "Original", size);
        var reconstructions = Pixels(output, "Reconstruction", size);
        var latentType = (VectorDataViewType)output.Schema["Latent"].Type;

        o.WriteLine();
        o.WriteLine($"Photos: {config.Variant} c={config.Channels} at {size}x{size}, latents [{string.Join(", ", latentType.Dimensions)}] " +
                    $"({3 * size * size} numbers -> {config.BottleneckSize}), pipeline LoadImages -> ResizeImages -> TokenizeImages -> DecodeLatents");
        o.WriteLine($"{"file",-10} {"PSNR (dB)",10} {"SSIM",8}");
        using var scope = NewDisposeScope();
        var psnr = Psnr.PerItem(originals, reconstructions);
        var ssim = Ssim.PerItem(originals, reconstructions);
        for (int i = 0; i < rows.Length; i++) o.WriteLine($"{rows[i].File,-10} {psnr[i],10:F2} {ssim[i],8:F4}");
        o.WriteLine($"{"mean",-10} {psnr.Average(),10:F2} {ssim.Average(),8:F4}");
        Grid(originals, reconstructions, Path.Combine(folder, "photos-grid.png"), 4);
    }

    sealed class ItemRow
    {
        [VectorType(3 * 32 * 32)] public float[] Pixels { get; set; } = [];
        public string Label { get; set; } = "";
    }

    static void FashionMnist(MLContext ml, string folder, TextWriter o)
    {
        string tokenizer = Bundled.Require(Bundled.FashionMnistTokenizer);
        var source = new FashionMnistSource(new FashionMnistOptions { Directory = Bundled.Require(Bundled.SampleFashionMnist), Split = FashionMnistSplit.Test });
        var config = TokenizerFile.ReadConfig(tokenizer);
        var rng = new Random(0);
        var rows = Enumerable.Range(0, source.Count).Select(i =>
        {
            var clip = source.Read(i, rng);
            return new ItemRow { Pixels = clip.Pixels.Select(v => (v + 1f) * 127.5f).ToArray(), Label = source.ClassNames[clip.Label] };
        }).ToArray();
        int trainCount = rows.Length * 4 / 5;
        var train = ml.Data.LoadFromEnumerable(rows[..trainCount]);
        var test = ml.Data.LoadFromEnumerable(rows[trainCount..]);

        var featurize = ml.Transforms.TokenizeImages("Latent", tokenizer, nameof(ItemRow.Pixels));
        var onLatents = featurize
            .AppendCacheCheckpoint(ml)   // tokenize once: the trainer makes many passes over the data
            .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ItemRow.Label)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Latent", maximumNumberOfIterations: 30));
        var onPixels = ml.Transforms.NormalizeMinMax("Scaled", nameof(ItemRow.Pixels))
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ItemRow.Label)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Scaled", maximumNumberOfIterations: 30));
        var clock = Stopwatch.StartNew();
        var latentModel = onLatents.Fit(train);
        double latentAccuracy = ml.MulticlassClassification.Evaluate(latentModel.Transform(test), "LabelKey").MicroAccuracy;
        double latentSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var pixelModel = onPixels.Fit(train);
        double pixelAccuracy = ml.MulticlassClassification.Evaluate(pixelModel.Transform(test), "LabelKey").MicroAccuracy;
        double pixelSeconds = clock.Elapsed.TotalSeconds;

        o.WriteLine();
        o.WriteLine($"Fashion-MNIST sample ({rows.Length} items of the test split, 10 classes): SdcaMaximumEntropy trained on {trainCount}, tested on {rows.Length - trainCount}");
        o.WriteLine($"  on {config.Variant} c={config.Channels} latents ({config.BottleneckSize} numbers): accuracy {latentAccuracy:P1} ({latentSeconds:F1} s with tokenization)");
        o.WriteLine($"  on raw pixels ({3 * 32 * 32} numbers):           accuracy {pixelAccuracy:P1} ({pixelSeconds:F1} s)");

        var decoded = featurize.Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions
        {
            OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = tokenizer, Output = DecodedOutput.PixelVector,
        })).Fit(test).Transform(test);
        using var scope = NewDisposeScope();
        var originals = Pixels(decoded, nameof(ItemRow.Pixels), 32);
        var reconstructions = Pixels(decoded, "Decoded", 32);
        o.WriteLine($"  reconstruction of the {rows.Length - trainCount} test items: PSNR {Psnr.Mean(originals, reconstructions):F2} dB, SSIM {Ssim.Mean(originals, reconstructions):F4}");
        Grid(originals[..32], reconstructions[..32], Path.Combine(folder, "fashion-mnist-grid.png"), 8);
    }

    sealed class ClassRow
    {
        public string Label { get; set; } = "";
    }

    /// <summary>Class-conditional generation in ML.NET: GenerateLatents (the shipped DiT) then DecodeLatents; a grid row per class.</summary>
    static void Generation(MLContext ml, string folder, TextWriter o)
    {
        const int PerClass = 8, Steps = 25;
        const double Guidance = 4.0;
        string tokenizer = Bundled.Require(Bundled.FashionMnistTokenizer);
        string generatorPath = Bundled.Require(Bundled.FashionMnistGenerator);
        var config = TokenizerFile.ReadConfig(tokenizer);
        var clock = Stopwatch.StartNew();
        string[] classes;
        using (var generator = GeneratorFile.Load(generatorPath)) classes = [.. generator.ClassNames];
        var rows = classes.SelectMany(c => Enumerable.Repeat(new ClassRow { Label = c }, PerClass)).ToArray();
        var pipeline = ml.Transforms.GenerateLatents(new GenerateLatentsOptions
            {
                OutputColumnName = "Latent", GeneratorPath = generatorPath, LabelColumnName = nameof(ClassRow.Label), Steps = Steps, GuidanceScale = Guidance, BatchSize = 80,
            })
            .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            {
                OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = tokenizer, Output = DecodedOutput.PixelVector,
            }));
        var data = ml.Data.LoadFromEnumerable(rows);
        var generated = pipeline.Fit(data).Transform(data);
        using var scope = NewDisposeScope();
        var images = Pixels(generated, "Decoded", config.ImageSize);
        var grid = Enumerable.Range(0, classes.Length)
            .Select(k => (IReadOnlyList<Tensor>)Enumerable.Range(0, PerClass).Select(i => images[k * PerClass + i]).ToList()).ToList();
        ImageGrid.Save(grid, Path.Combine(folder, "fashion-mnist-generated.png"));
        o.WriteLine();
        o.WriteLine($"Generation: the shipped DiT ({Path.GetFileName(generatorPath)}) in ML.NET (GenerateLatents -> DecodeLatents), {PerClass} samples of each of " +
                    $"{classes.Length} classes, {Steps} steps, guidance {Guidance}: {clock.Elapsed.TotalSeconds:F1} s; a row per class in fashion-mnist-generated.png");
    }

    /// <summary>
    /// Class-conditional video generation in ML.NET: the shipped sprite-clip DiT (flow matching, Heun) draws one
    /// 8-frame clip of each class (GenerateLatents -> DecodeLatents to [3, t, h, w] pixel vectors); each is written as
    /// an animated GIF, and all of them side by side as sprites-generated.gif.
    /// </summary>
    static void VideoGeneration(MLContext ml, string folder, TextWriter o)
    {
        const int Steps = 10;
        const double Guidance = 4.0;
        string tokenizer = Bundled.Require(Bundled.SpritesVideoTokenizer);
        string generatorPath = Bundled.Require(Bundled.SpritesVideoGenerator);
        var clock = Stopwatch.StartNew();
        string[] classes;
        using (var generator = GeneratorFile.Load(generatorPath)) classes = [.. generator.ClassNames];
        var rows = classes.Select(c => new ClassRow { Label = c }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var generated = ml.Transforms.GenerateLatents(new GenerateLatentsOptions
            {
                OutputColumnName = "Latent", GeneratorPath = generatorPath, LabelColumnName = nameof(ClassRow.Label), Steps = Steps, GuidanceScale = Guidance, BatchSize = classes.Length,
            })
            .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            {
                OutputColumnName = "Clip", InputColumnName = "Latent", TokenizerPath = tokenizer, Output = DecodedOutput.PixelVector,
            }))
            .Fit(data).Transform(data);
        using var scope = NewDisposeScope();
        var clips = generated.ReadClips("Clip");                               // [classes, 3, T, H, W]
        var row = Enumerable.Range(0, classes.Length).Select(k => clips[k]).ToList();
        for (int k = 0; k < classes.Length; k++)
            AnimatedGif.Save(AnimatedGif.EncodeGrid([[row[k]]]), Path.Combine(folder, $"sprites-{classes[k]}.gif"));
        AnimatedGif.Save(AnimatedGif.EncodeGrid([row]), Path.Combine(folder, "sprites-generated.gif"));
        o.WriteLine();
        o.WriteLine($"Video generation: the shipped sprite-clip DiT ({Path.GetFileName(generatorPath)}) in ML.NET, one {clips.shape[2]}-frame clip of each of " +
                    $"{classes.Length} classes ({string.Join(", ", classes)}), {Steps} Heun steps, guidance {Guidance}: {clock.Elapsed.TotalSeconds:F1} s; " +
                    "sprites-generated.gif (left to right in that order) and sprites-CLASS.gif");
    }

    /// <summary>A float pixel column (0..255, [3, H, W]) as a tensor [N, 3, H, W] in [-1, 1].</summary>
    static Tensor Pixels(IDataView view, string column, int size) => view.ReadImages(column, size, size);

    static void Grid(Tensor originals, Tensor reconstructions, string path, int perRow) =>
        ImageGrid.Save(ImageGrid.Pairs(originals, reconstructions, perRow), path);
}
