using Microsoft.ML;
using ViTok.Models.Generation;

namespace ViTok.MLNet;

/// <summary>ViTok components on <c>mlContext.Transforms</c>.</summary>
public static class ViTokCatalog
{
    /// <summary>
    /// Adds a latent column computed by a ViTok tokenizer from images (MLImage of the tokenizer's size), pixel vectors
    /// or encoded image bytes.
    /// </summary>
    /// <param name="catalog">mlContext.Transforms.</param>
    /// <param name="outputColumnName">The latent column to add (float vector [tokens, c]).</param>
    /// <param name="tokenizerPath">A tokenizer safetensors file.</param>
    /// <param name="inputColumnName">The image column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="batchSize">Rows per forward pass (default <see cref="ComponentOptions.Defaults.BatchSize"/>).</param>
    public static TokenizeImagesEstimator TokenizeImages(this TransformsCatalog catalog, string outputColumnName, string tokenizerPath,
        string? inputColumnName = null, int batchSize = ComponentOptions.Defaults.BatchSize) =>
        catalog.TokenizeImages(new TokenizeImagesOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            TokenizerPath = tokenizerPath,
            BatchSize = batchSize,
        });

    /// <summary>Adds a latent column; every option of <see cref="TokenizeImagesOptions"/>.</summary>
    public static TokenizeImagesEstimator TokenizeImages(this TransformsCatalog catalog, TokenizeImagesOptions options) =>
        new(Persistence.MLNetInternals.HostOf(catalog), options);

    /// <summary>Adds a column of images decoded from a latent column by a ViTok decoder.</summary>
    /// <param name="catalog">mlContext.Transforms.</param>
    /// <param name="outputColumnName">The image column to add (MLImage).</param>
    /// <param name="tokenizerPath">A tokenizer safetensors file.</param>
    /// <param name="inputColumnName">The latent column; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="batchSize">Rows per forward pass (default <see cref="ComponentOptions.Defaults.BatchSize"/>).</param>
    public static DecodeLatentsEstimator DecodeLatents(this TransformsCatalog catalog, string outputColumnName, string tokenizerPath,
        string? inputColumnName = null, int batchSize = ComponentOptions.Defaults.BatchSize) =>
        catalog.DecodeLatents(new DecodeLatentsOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            TokenizerPath = tokenizerPath,
            BatchSize = batchSize,
        });

    /// <summary>Adds a decoded column; every option of <see cref="DecodeLatentsOptions"/>.</summary>
    public static DecodeLatentsEstimator DecodeLatents(this TransformsCatalog catalog, DecodeLatentsOptions options) =>
        new(Persistence.MLNetInternals.HostOf(catalog), options);

    /// <summary>
    /// Trains a ViTok tokenizer on an image column (stage 1 of the paper's recipe) when fitted, and adds the latents
    /// it produces. Progress is logged to MLContext.Log.
    /// </summary>
    public static TrainTokenizerEstimator TrainTokenizer(this TransformsCatalog catalog, TrainTokenizerOptions options) =>
        new(Persistence.MLNetInternals.HostOf(catalog), options);

    /// <summary>
    /// Adds a latent column sampled by a class-conditional DiT generator for each row's class label; decode it with
    /// <see cref="DecodeLatents(TransformsCatalog, string, string, string?, int)"/> and the generator's tokenizer.
    /// </summary>
    /// <param name="catalog">mlContext.Transforms.</param>
    /// <param name="outputColumnName">The latent column to add (float vector [tokens, c]).</param>
    /// <param name="generatorPath">A generator safetensors file.</param>
    /// <param name="labelColumnName">The class label: a key (U4), text (a class name) or an int/long class index.</param>
    /// <param name="seedColumnName">Optional long/int column of per-row noise seeds; null: seeds derive from <paramref name="seed"/> and the row position.</param>
    /// <param name="steps">Sampling steps (default null: the sampler's, <see cref="SamplingOptions.Defaults.StepsFor"/>).</param>
    /// <param name="guidanceScale">Classifier-free guidance scale (default <see cref="SamplingOptions.Defaults.GuidanceScale"/>).</param>
    /// <param name="seed">Run seed used without a seed column (default <see cref="SamplingOptions.Defaults.Seed"/>).</param>
    /// <param name="batchSize">Rows per sampling call (default <see cref="Models.Recipes.GenerationRecipe.Defaults.BatchSize"/>).</param>
    public static GenerateLatentsEstimator GenerateLatents(this TransformsCatalog catalog, string outputColumnName, string generatorPath,
        string labelColumnName = GenerateLatentsEstimator.Defaults.LabelColumnName, string? seedColumnName = null, int? steps = null,
        double guidanceScale = SamplingOptions.Defaults.GuidanceScale, long seed = SamplingOptions.Defaults.Seed, int batchSize = Models.Recipes.GenerationRecipe.Defaults.BatchSize) =>
        catalog.GenerateLatents(new GenerateLatentsOptions
        {
            OutputColumnName = outputColumnName,
            GeneratorPath = generatorPath,
            LabelColumnName = labelColumnName,
            SeedColumnName = seedColumnName,
            Steps = steps,
            GuidanceScale = guidanceScale,
            Seed = seed,
            BatchSize = batchSize,
        });

    /// <summary>Adds a generated latent column; every option of <see cref="GenerateLatentsOptions"/>.</summary>
    public static GenerateLatentsEstimator GenerateLatents(this TransformsCatalog catalog, GenerateLatentsOptions options) =>
        new(Persistence.MLNetInternals.HostOf(catalog), options);

    /// <summary>
    /// Trains a class-conditional DiT generator on a latent column and its labels when fitted (the data is read once
    /// into memory), and returns the <see cref="GenerateLatentsTransformer"/> that samples latents for the labels of its
    /// input. Options and defaults mirror `vitok train-generator`; progress is logged to MLContext.Log.
    /// </summary>
    public static TrainGeneratorEstimator TrainGenerator(this TransformsCatalog catalog, TrainGeneratorOptions options) =>
        new(Persistence.MLNetInternals.HostOf(catalog), options);

    /// <summary>
    /// Adds an image column read from image files with the decoder `vitok` uses and its guards (pixel limit before
    /// decoding, file size before reading, truncated JPEGs and unknown formats refused naming the file), resized and
    /// centre-cropped to <paramref name="imageSize"/>: the guarded alternative to LoadImages + ResizeImages.
    /// </summary>
    /// <param name="catalog">mlContext.Transforms.</param>
    /// <param name="outputColumnName">The image column to add (MLImage).</param>
    /// <param name="imageFolder">The folder the paths are relative to (null: as they are).</param>
    /// <param name="inputColumnName">A text column of paths or a byte vector of encoded files; null means <paramref name="outputColumnName"/>.</param>
    /// <param name="imageSize">Side of the square images given (the tokenizer's size); 0 keeps each image's own size (default <see cref="ReadImagesEstimator.Defaults.ImageSize"/>).</param>
    public static ReadImagesEstimator ReadImages(this TransformsCatalog catalog, string outputColumnName, string? imageFolder, string? inputColumnName = null,
        int imageSize = ReadImagesEstimator.Defaults.ImageSize) =>
        catalog.ReadImages(new ReadImagesOptions { OutputColumnName = outputColumnName, ImageFolder = imageFolder, InputColumnName = inputColumnName, ImageSize = imageSize });

    /// <summary>Adds an image column read with `vitok`'s guarded decoder; every option of <see cref="ReadImagesOptions"/>.</summary>
    public static ReadImagesEstimator ReadImages(this TransformsCatalog catalog, ReadImagesOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(options);
    }
}
