namespace ViTok.Models.Tokenizer;

/// <summary>How the transformer blocks learn where a token sits in the (t, h, w) token grid.</summary>
public enum PositionEncoding
{
    /// <summary>Paper default: rotary embedding with the head dimension split over the t, h and w axes.</summary>
    Rope3D,
    /// <summary>Authors' code default: rotary embedding over the flattened token index.</summary>
    Rope1D,
    /// <summary>A learned absolute embedding added after the tubelet embedding (fixed grid size).</summary>
    Learned,
    /// <summary>A fixed 3D sine-cosine absolute embedding added after the tubelet embedding.</summary>
    SinCos,
}
