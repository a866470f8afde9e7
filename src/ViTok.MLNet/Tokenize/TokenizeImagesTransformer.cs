using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.MLNet.NativeSize;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet;

/// <summary>
/// Adds a latent column (<c>VBuffer&lt;float&gt;</c> shaped [tokens, c] or [t, h, w, c]) computed by a ViTok tokenizer
/// from an image column. Lazy and batched: one forward pass per <see cref="ComponentOptions.BatchSize"/> rows.
/// Save with mlContext.Model.Save; load with <see cref="ViTokModelLoader.LoadWithViTok(MLContext, string, out DataViewSchema, string?, int?)"/>.
/// </summary>
public sealed class TokenizeImagesTransformer : ViTokTransformer
{
    readonly TokenizeImagesOptions _options;
    readonly BatchedMapping _mapping;
    readonly TokenizerHandle _tokenizer;

    /// <param name="fixedSize">For a native-resolution tokenizer: the image size of fixed-size mode (from the input column's
    /// type when fitted); null: each image at its own size. Not used by a fixed-size tokenizer.</param>
    internal TokenizeImagesTransformer(TokenizeImagesOptions options, TokenizerHandle tokenizer, (int Height, int Width)? fixedSize = null) : base(tokenizer)
    {
        _tokenizer = tokenizer;
        _options = options;
        string input = options.InputColumnName ?? options.OutputColumnName;
        _mapping = tokenizer.Info.NativeResolution
            ? new NativeSizeTokenizeMapping(options, input, tokenizer, fixedSize)
            : new TokenizeMapping(options, input, tokenizer);
    }

    /// <summary>What the tokenizer takes and gives (variant, image size or native resolution, channels, frames).</summary>
    public TokenizerShape Tokenizer => _tokenizer.Info;

    public string OutputColumnName => _options.OutputColumnName;
    public string InputColumnName => _mapping.InputColumn;

    private protected override BatchedMapping Mapping => _mapping;
    private protected override ComponentManifest Manifest =>
        ComponentManifest.Of(ComponentManifest.TokenizeKind, _options, _tokenizer.Format, (_mapping as NativeSizeTokenizeMapping)?.FixedSize);

    /// <summary>The transformer a saved pipeline describes, on <paramref name="device"/> (null: the loading MLContext's).</summary>
    internal static TokenizeImagesTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights, string name, string? device, int? threads)
    {
        var options = m.ReadOptions<TokenizeImagesOptions>(device, threads);
        var tokenizer = ModelHandles.Tokenizer(host, new TokenizerSource(weights, name, m.WeightFormat), TokenizerHalf.Encoder, device, options.Threads, options.Precision);
        return Owning(tokenizer, () => new TokenizeImagesTransformer(options, tokenizer, m.FixedImageSize));
    }
}
