using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.MLNet;

/// <summary>Reads a float pixel column (ExtractPixels' layout [3, H, W], 0..255) back into an image tensor for metrics and grids.</summary>
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
}
