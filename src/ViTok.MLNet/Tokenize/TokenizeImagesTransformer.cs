using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.Data;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet;

/// <summary>
/// Adds a latent column (<c>VBuffer&lt;float&gt;</c> shaped [tokens, c] or [t, h, w, c]) computed by a ViTok tokenizer
/// from an image column. Lazy and batched: one forward pass per <see cref="ComponentOptions.BatchSize"/> rows.
/// Save with mlContext.Model.Save; load with <see cref="ViTokModelLoader.LoadWithViTok(MLContext, string, out DataViewSchema)"/>.
/// </summary>
public sealed class TokenizeImagesTransformer : ViTokTransformer
{
    readonly TokenizeImagesOptions _options;
    readonly TokenizeMapping _mapping;

    internal TokenizeImagesTransformer(TokenizeImagesOptions options, TokenizerHandle tokenizer)
    {
        Tokenizer = tokenizer;
        _options = options;
        _mapping = new TokenizeMapping(options, options.InputColumnName ?? options.OutputColumnName, tokenizer);
    }

    /// <summary>The tokenizer's configuration (variant, image size, channels...).</summary>
    public ViTokConfig TokenizerConfig => Tokenizer.Config;

    public string OutputColumnName => _options.OutputColumnName;
    public string InputColumnName => _mapping.InputColumn;

    TokenizerHandle Tokenizer { get; }

    private protected override BatchedMapping Mapping => _mapping;
    private protected override byte[] WeightBytes => Tokenizer.FileBytes;

    private protected override ComponentManifest Manifest => new()
    {
        Kind = ComponentManifest.TokenizeKind,
        OutputColumn = _options.OutputColumnName,
        InputColumn = _mapping.InputColumn,
        BatchSize = _options.BatchSize,
        Device = _options.Device,
        Threads = _options.Threads,
        Precision = _options.Precision.ToString(),
        Latent = _options.Latent.ToString(),
        Seed = _options.Seed,
        Layout = _options.Layout.ToString(),
        PixelScale = _options.PixelScale,
        PixelOffset = _options.PixelOffset,
    };

    internal static TokenizeImagesTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights)
    {
        var options = new TokenizeImagesOptions
        {
            OutputColumnName = m.OutputColumn,
            InputColumnName = m.InputColumn,
            BatchSize = m.BatchSize,
            Device = m.Device,
            Threads = m.Threads,
            Precision = Enum.Parse<InferencePrecision>(m.Precision),
            Latent = Enum.Parse<LatentKind>(m.Latent),
            Seed = m.Seed,
            Layout = Enum.Parse<LatentLayout>(m.Layout),
            PixelScale = m.PixelScale,
            PixelOffset = m.PixelOffset,
        };
        return new TokenizeImagesTransformer(options, TokenizerHandle.FromBytes(host, weights, m.Device, m.Threads, options.Precision));
    }
}
