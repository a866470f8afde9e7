using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Decode;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.V2;
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
    readonly V2ModelHandle? _v2;

    internal DecodeLatentsTransformer(DecodeLatentsOptions options, TokenizerHandle tokenizer)
    {
        Tokenizer = tokenizer;
        _options = options;
        _mapping = new DecodeMapping(options, options.InputColumnName ?? options.OutputColumnName, tokenizer);
    }

    /// <summary>A ViTok-v2 decoder: each image comes back at the size its latent's Height/Width columns give.</summary>
    internal DecodeLatentsTransformer(DecodeLatentsOptions options, V2ModelHandle model)
    {
        _v2 = model;
        _options = options;
        _mapping = new V2DecodeMapping(options, options.InputColumnName ?? options.OutputColumnName, model);
    }

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
        Kind = ComponentManifest.DecodeKind,
        OutputColumn = _options.OutputColumnName,
        InputColumn = _mapping.InputColumn,
        BatchSize = _options.BatchSize,
        Threads = _options.Threads,
        Precision = _options.Precision.ToString(),
        PixelScale = _options.PixelScale,
        PixelOffset = _options.PixelOffset,
        DecodeOutput = _options.Output.ToString(),
        ClampPixels = _options.ClampPixels,
        Format = _v2 is null ? null : V2ModelHandle.Format,
    };

    /// <summary>The transformer a saved pipeline describes, on <paramref name="device"/> (null: the loading MLContext's).</summary>
    internal static DecodeLatentsTransformer FromManifest(CatalogHost host, ComponentManifest m, byte[] weights, string name, string? device)
    {
        var options = new DecodeLatentsOptions
        {
            OutputColumnName = m.OutputColumn,
            InputColumnName = m.InputColumn,
            BatchSize = m.BatchSize,
            Device = device,
            Threads = m.Threads,
            Precision = Enum.Parse<InferencePrecision>(m.Precision),
            PixelScale = m.PixelScale,
            PixelOffset = m.PixelOffset,
            Output = Enum.Parse<DecodedOutput>(m.DecodeOutput),
            ClampPixels = m.ClampPixels,
        };
        if (m.Format == V2ModelHandle.Format)
        {
            var v2 = V2ModelHandle.FromBytes(host, weights, name, V2Half.Decoder, device, m.Threads, options.Precision);
            return Owning(v2, () => new DecodeLatentsTransformer(options, v2));
        }
        var tokenizer = TokenizerHandle.FromBytes(host, weights, name, device, m.Threads, options.Precision);
        return Owning(tokenizer, () => new DecodeLatentsTransformer(options, tokenizer));
    }
}
