using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Metrics;

/// <summary>
/// A small CNN classifier used to measure generated images (Inception Score needs class logits; the shipped ResNet18
/// has none) and to check that they show the class asked for. Each stage is a 3x3 convolution, batch normalisation
/// and ReLU, with a 2x2 max-pool between stages (default 32, 64, 128, 128 channels at 32, 16, 8, 4 pixels for a 32x32
/// input: 0.24 M parameters, 12.6 M multiply-adds per image, a 38-pixel receptive field); a global average pool gives
/// the <see cref="Features"/> (the last stage's channels), a linear layer the <see cref="Logits"/>.
/// Input: images [B, 3, H, W], RGB in [-1, 1] (the clips' convention); other sizes than
/// <see cref="ImageClassifierConfig.ImageSize"/> are resized bilinearly first.
/// </summary>
public sealed class ImageClassifier : Module<Tensor, Tensor>
{
    private readonly Sequential body;
    private readonly Linear head;

    public ImageClassifierConfig Config { get; }

    /// <summary>The name used in metric labels (IS-{Label}, FD-{Label}); a loaded file sets it to the file's name.</summary>
    public string Label { get; set; } = "classifier";

    public ImageClassifier(ImageClassifierConfig config) : base(nameof(ImageClassifier))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int channels = 3;
        for (int stage = 0; stage < config.Widths.Count; stage++)
        {
            int width = config.Widths[stage];
            if (stage > 0) layers.Add(($"pool{stage}", MaxPool2d(2)));
            layers.Add(($"conv{stage}", Conv2d(channels, width, 3, padding: 1, bias: false)));
            layers.Add(($"norm{stage}", BatchNorm2d(width)));
            layers.Add(($"relu{stage}", ReLU()));
            channels = width;
        }
        body = Sequential(layers);
        head = Linear(channels, config.Classes);
        RegisterComponents();
    }

    /// <summary>The device the weights are on.</summary>
    public Device Device => head.weight.device;

    /// <summary>Pooled features [B, last stage width].</summary>
    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = body.forward(Prepare(images));
        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>Class logits [B, classes].</summary>
    public Tensor Logits(Tensor images) => forward(images);

    /// <summary>Features and logits from one forward pass.</summary>
    public (Tensor Features, Tensor Logits) FeaturesAndLogits(Tensor images)
    {
        using var scope = NewDisposeScope();
        var features = Features(images);
        var logits = head.forward(features);
        return (features.MoveToOuterDisposeScope(), logits.MoveToOuterDisposeScope());
    }

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return head.forward(Features(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Checks the shape, moves to the weights' device and dtype, resizes to the configured size when needed.</summary>
    Tensor Prepare(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"The image classifier takes images [B, 3, H, W]; got [{string.Join(", ", images.shape)}].");
        var x = images.to(head.weight.dtype, head.weight.device);
        int size = Config.ImageSize;
        if (x.shape[2] != size || x.shape[3] != size)
            x = functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        return x;
    }
}
