using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.Tokenize;
using ViTok.MLNet.V2;
using ViTok.Models.TokenizerV2;
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
    readonly V2ModelHandle? _v2;

    internal TokenizeImagesTransformer(TokenizeImagesOptions options, TokenizerHandle tokenizer)
    {
        Tokenizer = tokenizer;
        _options = options;
        _mapping = new TokenizeMapping(options, options.InputColumnName ?? options.OutputColumnName, tokenizer);
    }

    /// <summary>A ViTok-v2 encoder: fixed-size mode for <paramref name="fixedSize"/>, native-size mode for null.</summary>
    internal TokenizeImagesTransformer(TokenizeImagesOptions options, V2ModelHandle model, (int Height, int Width)? fixedSize)
    {
        _v2 = model;
        _options = options;
        _mapping = new V2TokenizeMapping(options, options.InputColumnName ?? options.OutputColumnName, model, fixedSize);
    }

    /// <summary>The tokenizer's configuration (variant, image size, channels...); see <see cref="V2Config"/> for a ViTok-v2 model.</summary>
    public ViTokConfig TokenizerConfig => Tokenizer?.Config
        ?? throw new InvalidOperationException($"This transformer runs a ViTok-v2 model ({_v2!.Config.Variant}); read V2Config.");

    /// <summary>The ViTok-v2 configuration (variant, patch, channels) when this transformer runs a v2 checkpoint; else null.</summary>
    public ViTokV2Config? V2Config => _v2?.Config;

    public string OutputColumnName => _options.OutputColumnName;
    public string InputColumnName => _mapping.InputColumn;

    TokenizerHandle? Tokenizer { get; }

    private protected override BatchedMapping Mapping => _mapping;
    private protected override byte[] WeightBytes => _v2?.FileBytes ?? Tokenizer!.FileBytes;
    private protected override void DisposeModel()
    {
        Tokenizer?.Dispose();
        _v2?.Dispose();
    }

    internal override bool WeightsLoaded => _v2?.IsLoaded ?? Tokenizer!.IsLoaded;

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
        Format = _v2 is null ? null : V2ModelHandle.Format,
        MaxTokens = _options.MaxTokens,
        ImageHeight = (_mapping as V2TokenizeMapping)?.FixedSize?.Height ?? 0,
        ImageWidth = (_mapping as V2TokenizeMapping)?.FixedSize?.Width ?? 0,
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
        if (m.Format == V2ModelHandle.Format)
        {
            var v2 = V2ModelHandle.FromBytes(host, weights, name, V2Half.Encoder, device, m.Threads, options.Precision);
            return Owning(v2, () => new TokenizeImagesTransformer(options, v2, m.ImageHeight > 0 ? (m.ImageHeight, m.ImageWidth) : null));
        }
        var tokenizer = TokenizerHandle.FromBytes(host, weights, name, device, m.Threads, options.Precision);
        return Owning(tokenizer, () => new TokenizeImagesTransformer(options, tokenizer));
    }
}
