namespace ViTok.MLNet;

/// <summary>Precision of the forward pass.</summary>
public enum InferencePrecision
{
    Float32,
    BFloat16,
}
