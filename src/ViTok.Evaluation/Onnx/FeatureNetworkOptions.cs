namespace ViTok.Models.Onnx;

/// <summary>How to use an ONNX vision backbone as a <see cref="FeatureNetwork"/>. Null values are found from the graph.</summary>
public sealed record FeatureNetworkOptions
{
    /// <summary>The pixels the network expects. Default: <see cref="ImageNormalization.ImageNet"/> (torchvision exports).</summary>
    public ImageNormalization Normalization { get; init; } = ImageNormalization.ImageNet;

    /// <summary>Name used in metric labels (e.g. "ResNet18" gives "FD-ResNet18"). Default: the file name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>The value holding pooled features. Default: the output of the last pooling node, else the first graph output.</summary>
    public string? Features { get; init; }

    /// <summary>The value holding class logits (for the Inception Score). Default: a graph output other than the features (a Softmax's input when the output is a Softmax); none if there is no such output.</summary>
    public string? Logits { get; init; }

    /// <summary>Values used by perceptual losses. Default: <see cref="FeatureTaps.Find"/>.</summary>
    public IReadOnlyList<string>? Taps { get; init; }

    /// <summary>Mean image for <see cref="ImageNormalization.BgrMeanImage"/> ([1, 3, H, W], BGR, 0..255).</summary>
    public OnnxTensor? MeanImage { get; init; }
}
