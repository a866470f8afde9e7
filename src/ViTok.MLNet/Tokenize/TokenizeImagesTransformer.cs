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
    private protected override ComponentManifest Manifest => new()
    {
        Kind = ComponentManifest.TokenizeKind,
        OutputColumn = _options.OutputColumnName,
        InputColumn = _mapping.InputColumn,
        BatchSize = _options.BatchSize,
        Threads = _options.Threads,
        Precision = _options.Precision.ToString(),
        Latent = _options.Latent.ToString(),
        Seed = _options.Seed,
        Layout = _options.Layout.ToString(),
        PixelScale = _options.PixelScale,
        PixelOffset = _options.PixelOffset,
        Format = _tokenizer.Format,
        MaxTokens = _options.MaxTokens,
        ImageHeight = (_mapping as NativeSizeTokenizeMapping)?.FixedSize?.Height ?? 0,   // fixed-size mode of a native-resolution tokenizer
        ImageWidth = (_mapping as NativeSizeTokenizeMapping)?.FixedSize?.Width ?? 0,
    };

    /// <summary>The transformer a saved pipeline describes, on <paramref name="device"/> (null: the loading MLContext's).</summary>
    internal static TokenizeImagesTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights, string name, string? device)
    {
        var options = new TokenizeImagesOptions
        {
            OutputColumnName = m.OutputColumn,
            InputColumnName = m.InputColumn,
            BatchSize = m.BatchSize,
            Device = device,
            Threads = m.Threads,
            Precision = Enum.Parse<InferencePrecision>(m.Precision),
            Latent = Enum.Parse<LatentKind>(m.Latent),
            Seed = m.Seed,
            Layout = Enum.Parse<LatentLayout>(m.Layout),
            PixelScale = m.PixelScale,
            PixelOffset = m.PixelOffset,
            MaxTokens = m.MaxTokens,
        };
        var tokenizer = ModelHandles.Tokenizer(host, new TokenizerSource(weights, name, m.WeightFormat), TokenizerHalf.Encoder, device, m.Threads, options.Precision);
        return Owning(tokenizer, () => new TokenizeImagesTransformer(options, tokenizer, m.ImageHeight > 0 ? (m.ImageHeight, m.ImageWidth) : null));
    }
}
