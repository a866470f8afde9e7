using Microsoft.ML;
using ViTok.MLNet.Decode;
using ViTok.MLNet.Tokenize;

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
    /// <param name="batchSize">Rows per forward pass (default 32).</param>
    public static TokenizeImagesEstimator TokenizeImages(this TransformsCatalog catalog, string outputColumnName, string tokenizerPath,
        string? inputColumnName = null, int batchSize = 32) =>
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
    /// <param name="batchSize">Rows per forward pass (default 32).</param>
    public static DecodeLatentsEstimator DecodeLatents(this TransformsCatalog catalog, string outputColumnName, string tokenizerPath,
        string? inputColumnName = null, int batchSize = 32) =>
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
    public static Train.TrainTokenizerEstimator TrainTokenizer(this TransformsCatalog catalog, Train.TrainTokenizerOptions options) =>
        new(Persistence.MLNetInternals.HostOf(catalog), options);
}
