namespace ViTok.MLNet.Tokenize;

/// <summary>Precision of the forward pass.</summary>
public enum InferencePrecision
{
    Float32,
    BFloat16,
}
