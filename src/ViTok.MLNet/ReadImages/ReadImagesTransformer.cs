using ViTok.MLNet.DataViews;
using ViTok.MLNet.Persistence;
using ViTok.MLNet.ReadImages;

namespace ViTok.MLNet;

/// <summary>
/// Adds an MLImage column read from image files or encoded bytes with `vitok`'s guarded decoder (see
/// <see cref="ReadImagesEstimator"/>). Lazy. Save with mlContext.SaveWithViTok; load with mlContext.LoadWithViTok.
/// </summary>
public sealed class ReadImagesTransformer : ViTokTransformer
{
    readonly ReadImagesOptions _options;
    readonly ReadImagesMapping _mapping;

    internal ReadImagesTransformer(ReadImagesOptions options) : base(model: null)
    {
        _options = options;
        _mapping = new ReadImagesMapping(options);
    }

    public string OutputColumnName => _options.OutputColumnName;
    public string InputColumnName => _mapping.InputColumn;
    /// <summary>The side of the images given; 0: each at its own size.</summary>
    public int ImageSize => _options.ImageSize;

    private protected override BatchedMapping Mapping => _mapping;
    private protected override ComponentManifest Manifest => ComponentManifest.Of(ComponentManifest.ReadImagesKind, _options);

    /// <summary>The transformer a saved pipeline describes.</summary>
    internal static ReadImagesTransformer FromManifest(ComponentManifest m) => new(m.ReadOptions<ReadImagesOptions>());
}
