using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;
using ViTok.Models.Training;

// Draws a dress and a bag with the shipped Fashion-MNIST generator and prints their sizes.
var ml = new MLContext(seed: 1);
foreach (var image in Guide.Generate(ml, ViTokModels.Path(ViTokModels.FashionMnistDdpmGenerator), ViTokModels.Path(ViTokModels.FashionMnistTokenizer))
             .GetColumn<MLImage>("Image"))
    Console.WriteLine($"generated a {image.Width}x{image.Height} image");

/// <summary>The snippets of docs/ml-net.md and docs/vitok-v2.md, each a region below.</summary>
static class Guide
{
    public static ITransformer Classify(MLContext ml, IDataView images, string imageFolder, string tokenizerPath)
    {
        // <classify>
        // Latents as features: tokenize once (cache), then any ML.NET trainer.
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder, "Path")
            .Append(ml.Transforms.ResizeImages("Image", 64, 64))
            .Append(ml.Transforms.TokenizeImages("Latent", tokenizerPath, "Image"))   // [tokens, c]
            .AppendCacheCheckpoint(ml)                                                  // tokenize once, train many passes
            .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("LabelKey", "Latent"));
        var model = pipeline.Fit(images);
        // </classify>
        return model;
    }

    public static IDataView Generate(MLContext ml, string generatorPath, string tokenizerPath)
    {
        // <generate>
        // One generated image per row: the row's class label and noise seed.
        var requests = ml.Data.LoadFromEnumerable(new[]
        {
            new Request { Label = "Dress", Seed = 1 },
            new Request { Label = "Bag", Seed = 2 },
        });
        var images = ml.Transforms.GenerateLatents("Latent", generatorPath, "Label", seedColumnName: "Seed", steps: 25, guidanceScale: 4)
            .Append(ml.Transforms.DecodeLatents("Image", tokenizerPath, "Latent"))   // MLImage of the tokenizer's size
            .Fit(requests)
            .Transform(requests);
        // </generate>
        return images;
    }

    public static float[][] GenerateClips(MLContext ml, IDataView requests, string videoGeneratorPath, string videoTokenizerPath)
    {
        // <generate-clips>
        // A video generator's latents decode to clips: a float vector [3, t, h, w] per row (channel-major, 0..255),
        // the layout TokenizeImages reads, so a generated clip can be tokenized again.
        var clips = ml.Transforms.GenerateLatents("Latent", videoGeneratorPath, "Label", seedColumnName: "Seed", steps: 25, guidanceScale: 4)
            .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions
            {
                OutputColumnName = "Clip", InputColumnName = "Latent", TokenizerPath = videoTokenizerPath, Output = DecodedOutput.PixelVector,
            }))
            .Fit(requests)
            .Transform(requests);
        var shape = ((VectorDataViewType)clips.Schema["Clip"].Type).Dimensions;   // [3, t, h, w]
        int frameSize = shape[2] * shape[3], frames = shape[1];
        // Channel c of frame f of a clip starts at (c * frames + f) * frameSize.
        // </generate-clips>
        return clips.GetColumn<VBuffer<float>>("Clip").Select(v => v.DenseValues().ToArray()).Where(v => v.Length == 3 * frames * frameSize).ToArray();
    }

    public static ITransformer TrainGenerator(MLContext ml, IDataView labelledImages, string imageFolder, string tokenizerPath, int imageSize)
    {
        // <train-generator>
        var generator = ml.Transforms.LoadImages("Image", imageFolder, "Path")
            .Append(ml.Transforms.ResizeImages("Image", imageSize, imageSize))
            .Append(ml.Transforms.TokenizeImages("Latent", tokenizerPath, "Image"))    // images -> latents, read once by Fit
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))                    // or leave the label as text
            .Append(ml.Transforms.TrainGenerator(new TrainGeneratorOptions
            {
                OutputColumnName = "Generated", TokenizerPath = tokenizerPath, Size = "N", RunFolder = "run",
                Training = new GeneratorTrainingOptions { Steps = 2000, BatchSize = 64, LearningRate = 1e-3, WarmupFraction = 0.05, LearningRateFloor = 0.1 },
            }))
            .Fit(labelledImages);                                                       // last transformer: GenerateLatentsTransformer
        // </train-generator>
        return generator;
    }

    public static void Threads(MLContext ml, ITransformer model)
    {
        // <threads>
        // Each component has its own thread count (0, the default: 1 thread for a single row, torch's default for batches).
        var featurizer = ml.Transforms.TokenizeImages(new TokenizeImagesOptions
        {
            OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = ViTokModels.Path(ViTokModels.PhotoTokenizer),
            BatchSize = 32, Threads = 1,
        });
        // Row at a time: PredictionEngine runs one single-row forward pass per Predict.
        using var engine = ml.Model.CreatePredictionEngine<PhotoRow, LatentRow>(model);
        // </threads>
        _ = featurizer;
    }

    public static void Save(MLContext ml, ITransformer model, IDataView data)
    {
        // <save-load>
        ml.SaveWithViTok(model, data.Schema, "pipeline.zip");           // whole or not at all; the weights travel inside the zip, the device does not
        var loaded = ml.LoadWithViTok("pipeline.zip", out var schema);  // not ml.Model.Load: it cannot restore the weights
        // ... use it; then free its native weights (a pipeline and each ViTok transformer are IDisposable)
        (loaded as IDisposable)?.Dispose();
        // </save-load>
        _ = schema;
    }

    public static IDataView GuardedLoading(MLContext ml, IDataView files, string imageFolder, string tokenizerPath)
    {
        // <guarded-loading>
        // Untrusted image files: decoded with the CLI's checks, resized and centre-cropped to the tokenizer's 64 x 64.
        var latents = ml.Transforms.ReadImages("Image", imageFolder, "Path", imageSize: 64)
            .Append(ml.Transforms.TokenizeImages("Latent", tokenizerPath, "Image"))
            .Fit(files)
            .Transform(files);
        // </guarded-loading>
        return latents;
    }

    public static void ViTokV2()
    {
        // <vitok-v2>
        var ml = new MLContext(seed: 0);
        string model = "models/vitok-v2-350M-f16x64", photos = "photos";
        var rows = Directory.GetFiles(photos).Select(p => new Photo { Path = Path.GetFileName(p), IsOutdoor = p.Contains("out") }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);

        // 1. Native size: latents of each photo at its own size, and the photos decoded back at their sizes.
        var native = ml.Transforms.LoadImages("Image", photos, nameof(Photo.Path))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
                { OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = model, MaxTokens = 256, BatchSize = 8 }))
            .Append(ml.Transforms.DecodeLatents(new DecodeLatentsOptions
                { OutputColumnName = "Decoded", InputColumnName = "Latent", TokenizerPath = model }))
            .Fit(data);
        var output = native.Transform(data);
        using (var cursor = output.GetRowCursor(output.Schema))
        {
            var rowsGetter = cursor.GetGetter<int>(output.Schema["LatentRows"]);
            var colsGetter = cursor.GetGetter<int>(output.Schema["LatentCols"]);
            var decoded = cursor.GetGetter<MLImage>(output.Schema["Decoded"]);
            int r = 0, c = 0; MLImage image = null!;
            while (cursor.MoveNext())
            {
                rowsGetter(ref r); colsGetter(ref c); decoded(ref image);
                Console.WriteLine($"{r}x{c} tokens -> decoded {image.Width}x{image.Height}");
            }
        }
        ml.SaveWithViTok(native, data.Schema, "vitok-v2-native.zip");              // weights travel inside the zip
        var reloaded = ml.LoadWithViTok("vitok-v2-native.zip", out _);

        // 2. Fixed size: 256x256 -> [256 tokens, 64] latents feeding a trainer.
        var classifier = ml.Transforms.LoadImages("Image", photos, nameof(Photo.Path))
            .Append(ml.Transforms.ResizeImages("Image", 256, 256))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
                { OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = model, Precision = InferencePrecision.BFloat16 }))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(nameof(Photo.IsOutdoor), "Latent"))
            .Fit(data);
        // </vitok-v2>
        _ = (reloaded, classifier);
    }

    public static void Tables(IDataView output)
    {
        // <dataframe>
        ShapedDataFrame table = output.ToShapedDataFrame("Path", "Latent");   // every row; Latent keeps its [tokens, c] shape
        int[] shape = table.ShapeOf("Latent");
        IDataView back = table.ToDataView();                                   // declares the dimensions again
        ParquetExport.Write(output, "latents.parquet");                        // LIST<float> columns for other engines
        // </dataframe>
        _ = (shape, back);
    }
}

public sealed class Request
{
    public string Label { get; set; } = "";
    public long Seed { get; set; }
}

public sealed class PhotoRow
{
    public string Path { get; set; } = "";
}

public sealed class LatentRow
{
    public float[] Latent { get; set; } = [];
}

public sealed class Photo
{
    public string Path { get; set; } = "";
    public bool IsOutdoor { get; set; }
}
