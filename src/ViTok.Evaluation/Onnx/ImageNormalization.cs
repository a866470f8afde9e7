namespace ViTok.Models.Onnx;

/// <summary>
/// What a feature network expects as pixels, starting from the model's convention (RGB in [-1, 1]).
/// </summary>
public enum ImageNormalization
{
    /// <summary>RGB in [-1, 1], unchanged (e.g. the pytorch-fid Inception-v3 after its own input scaling).</summary>
    MinusOneToOne,
    /// <summary>RGB in [0, 1].</summary>
    ZeroToOne,
    /// <summary>RGB in [0, 255].</summary>
    ZeroTo255,
    /// <summary>RGB in [0, 1] normalised with the ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), as torchvision models expect.</summary>
    ImageNet,
    /// <summary>LPIPS's scaling layer on [-1, 1] input: (x - shift) / scale, shift (-0.030, -0.088, -0.188), scale (0.458, 0.448, 0.450).</summary>
    Lpips,
    /// <summary>
    /// CNTK/Caffe style, as the shipped ResNet18 expects: BGR in [0, 255] minus a per-pixel mean image (read from the
    /// preprocessing ONNX shipped beside it; resized bilinearly when the input is not at its size).
    /// </summary>
    BgrMeanImage,
}
