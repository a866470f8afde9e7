using Microsoft.ML.Data;

namespace ViTok.MLNet.Tests.Contract;

/// <summary>An input row of the contract suite: a pass-through column of every kind next to the image's file name.</summary>
public sealed class ContractRow
{
    public string Path { get; set; } = "";
    public string Label { get; set; } = "";
    public float Weight { get; set; }
    public int Index { get; set; }
    [VectorType(5)]
    public float[] Extra { get; set; } = [];
}
