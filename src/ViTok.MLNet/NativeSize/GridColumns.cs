using Microsoft.ML.Data;

namespace ViTok.MLNet.NativeSize;

/// <summary>
/// The columns a native-resolution (ViTok-v2) latent travels with: besides the latent vector LATENT ([tokens, c]), its token grid
/// LATENTRows and LATENTCols and the image size it was encoded at, LATENTHeight and LATENTWidth (Int32), which
/// DecodeLatents reads to give each image back at its own size.
/// </summary>
static class GridColumns
{
    public static readonly string[] Suffixes = ["Rows", "Cols", "Height", "Width"];

    public static IReadOnlyList<(string Name, DataViewType Type)> For(string latent) =>
        Suffixes.Select(s => (latent + s, (DataViewType)NumberDataViewType.Int32)).ToList();
}
