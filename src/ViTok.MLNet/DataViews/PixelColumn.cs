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
    public static Tensor ReadImages(this IDataView view, string column, int height, int width) =>
        Read(view, column, v => v.Size == 3 * height * width, [3, height, width],
            $"a float vector of 3 x {height} x {width} = {3 * height * width} pixel values (ExtractPixels, or DecodeLatents with Output = PixelVector)");

    /// <summary>
    /// All rows of the clip column <paramref name="column"/> (DecodeLatents' output for a video tokenizer: a float
    /// vector with dimensions [3, T, H, W], 0..255) as a tensor [N, 3, T, H, W] in [-1, 1], the form AnimatedGif writes.
    /// </summary>
    public static Tensor ReadClips(this IDataView view, string column)
    {
        ArgumentNullException.ThrowIfNull(view);
        var dimensions = (view.Schema.GetColumnOrNull(column)?.Type as VectorDataViewType)?.Dimensions;
        return Read(view, column, v => v.Dimensions.Length == 4 && v.Dimensions[0] == 3, dimensions is { Length: 4 } d ? [d[0], d[1], d[2], d[3]] : [],
            "a float vector with dimensions [3, t, h, w] (DecodeLatents with Output = PixelVector and a video tokenizer)");
    }

    /// <summary>Every row of a float vector column that <paramref name="fits"/>, as [N, ..<paramref name="item"/>] in [-1, 1] (value / 127.5 - 1).</summary>
    static Tensor Read(IDataView view, string column, Func<VectorDataViewType, bool> fits, long[] item, string expected)
    {
        ArgumentNullException.ThrowIfNull(view);
        var col = view.Schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column}' was not found.");
        if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType n } vector || n.RawType != typeof(float) || !fits(vector))
            throw new ArgumentException($"Column '{column}' is {col.Type}; expected {expected}.");
        var values = new List<float>();
        foreach (var row in view.GetColumn<VBuffer<float>>(column)) values.AddRange(row.DenseValues());
        using var scope = NewDisposeScope();
        using Scalar scale = (1 / 127.5).ToScalar(), one = 1.0.ToScalar();
        var pixels = tensor(values.ToArray(), [values.Count / vector.Size, .. item]).mul(scale).sub(one);
        return pixels.MoveToOuterDisposeScope();
    }
}
