using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Decode;
using ViTok.MLNet.Persistence;
using ViTok.Models.Tokenizer;
using ViTok.MLNet.NativeSize;
using ViTok.MLNet.Tokenize;

namespace ViTok.MLNet;

/// <summary>
/// Adds a column of decoded images (MLImage) or pixel vectors computed by a ViTok decoder from a latent column.
/// Lazy and batched. Save with mlContext.Model.Save; load with mlContext.LoadWithViTok.
/// </summary>
public sealed class DecodeLatentsTransformer : ViTokTransformer
{
    readonly DecodeLatentsOptions _options;
    readonly BatchedMapping _mapping;
    readonly TokenizerHandle _tokenizer;

    /// <summary>A fixed-size tokenizer's decoder, or a native-resolution one's (each image comes back at the size its
    /// latent's Height/Width columns give).</summary>
    internal DecodeLatentsTransformer(DecodeLatentsOptions options, TokenizerHandle tokenizer) : base(tokenizer)
    {
        _tokenizer = tokenizer;
        _options = options;
        string input = options.InputColumnName ?? options.OutputColumnName;
        _mapping = tokenizer.Info.NativeResolution
            ? new NativeSizeDecodeMapping(options, input, tokenizer)
            : new DecodeMapping(options, input, tokenizer);
    }

    /// <summary>What the tokenizer takes and gives (variant, image size or native resolution, channels, frames).</summary>
    public TokenizerShape Tokenizer => _tokenizer.Info;

    private protected override BatchedMapping Mapping => _mapping;
    private protected override ComponentManifest Manifest => ComponentManifest.Of(ComponentManifest.DecodeKind, _options, _tokenizer.Format);

    /// <summary>The transformer a saved pipeline describes, on <paramref name="device"/> (null: the loading MLContext's).</summary>
    internal static DecodeLatentsTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights, string name, string? device, int? threads)
    {
        var options = m.ReadOptions<DecodeLatentsOptions>(device, threads);
        var tokenizer = ModelHandles.Tokenizer(host, new TokenizerSource(weights, name, m.WeightFormat), TokenizerHalf.Decoder, device, options.Threads, options.Precision);
        return Owning(tokenizer, () => new DecodeLatentsTransformer(options, tokenizer));
    }
}
