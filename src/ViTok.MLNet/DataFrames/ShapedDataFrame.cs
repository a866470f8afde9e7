using Microsoft.Data.Analysis;

namespace ViTok.MLNet;

/// <summary>
/// A DataFrame plus the dimensions of its vector columns (for example a latent column [tokens, c]). A DataFrame's own
/// vector column (VBufferDataFrameColumn) keeps the numbers but not their shape; this keeps both, and
/// <see cref="ViTokDataFrames.ToDataView"/> gives the shape back to ML.NET.
/// </summary>
public sealed record ShapedDataFrame(DataFrame Frame, IReadOnlyDictionary<string, int[]> Shapes)
{
    /// <summary>The dimensions of a vector column; throws naming the column when it has none.</summary>
    public int[] ShapeOf(string column) =>
        Shapes.TryGetValue(column, out var shape) ? shape : throw new KeyNotFoundException($"Column '{column}' is not a vector column of this table.");
}
