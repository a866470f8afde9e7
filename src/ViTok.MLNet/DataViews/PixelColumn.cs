using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.MLNet;

/// <summary>Reads a float pixel column (ExtractPixels' layout [3, H, W], or a clip's [3, T, H, W]; 0..255) back into an
/// image or clip tensor for metrics, grids and clip files.</summary>
public static class PixelColumn
{
    /// <summary>
    /// All rows of <paramref name="column"/> as a tensor [N, 3, H, W] in [-1, 1] (value / 127.5 - 1, the models' pixel
    /// convention). The column must be a float vector of 3 x <paramref name="height"/> x <paramref name="width"/> values.
    /// </summary>
    public static Tensor ReadImages(this IDataView view, string column, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(view);
        var col = view.Schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column}' was not found.");
        int length = 3 * height * width;
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType n } vector || n.RawType != typeof(float) || vector.Size != length)
            throw new ArgumentException($"Column '{column}' is {col.Type}; expected a float vector of 3 x {height} x {width} = {length} pixel values (ExtractPixels, or DecodeLatents with Output = PixelVector).");
        var values = new List<float>();
        foreach (var row in view.GetColumn<VBuffer<float>>(column)) values.AddRange(row.DenseValues());
        using var scope = NewDisposeScope();
        using Scalar scale = (1 / 127.5).ToScalar(), one = 1.0.ToScalar();
        var images = tensor(values.ToArray(), [values.Count / length, 3, height, width]).mul(scale).sub(one);
        return images.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// All rows of the clip column <paramref name="column"/> (DecodeLatents' output for a video tokenizer: a float
    /// vector with dimensions [3, T, H, W], 0..255) as a tensor [N, 3, T, H, W] in [-1, 1], the form AnimatedGif writes.
    /// </summary>
    public static Tensor ReadClips(this IDataView view, string column)
    {
        ArgumentNullException.ThrowIfNull(view);
        var col = view.Schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column}' was not found.");
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType n } vector || n.RawType != typeof(float)
            || vector.Dimensions.Length != 4 || vector.Dimensions[0] != 3)
            throw new ArgumentException($"Column '{column}' is {col.Type}; expected a float vector with dimensions [3, t, h, w] (DecodeLatents with Output = PixelVector and a video tokenizer).");
        var values = new List<float>();
        foreach (var row in view.GetColumn<VBuffer<float>>(column)) values.AddRange(row.DenseValues());
        var d = vector.Dimensions;
        using var scope = NewDisposeScope();
        using Scalar scale = (1 / 127.5).ToScalar(), one = 1.0.ToScalar();
        var clips = tensor(values.ToArray(), [values.Count / vector.Size, d[0], d[1], d[2], d[3]]).mul(scale).sub(one);
        return clips.MoveToOuterDisposeScope();
    }
}
