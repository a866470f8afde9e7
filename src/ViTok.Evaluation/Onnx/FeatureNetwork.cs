using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static ViTok.Models.Runtime.HeldScalars;

namespace ViTok.Models.Onnx;

/// <summary>
/// An ONNX vision backbone run by <see cref="OnnxModule"/>, taking images in the model's convention (RGB, [-1, 1],
/// [B, 3, H, W]) and giving pooled features, class logits when the graph has them, and stage taps for perceptual
/// losses. <see cref="ResNet18"/> is the ImageNet ResNet18 shipped in Microsoft.ML.DnnImageFeaturizer.ResNet18 (a
/// CNTK export whose last stage has three blocks, 22 convolutions, ending at the 512-d average pool: it has no
/// classifier head, so it gives features but no logits). Any other ONNX backbone (an
/// Inception-v3 for the standard FID, a VGG16 for LPIPS) is loaded with <see cref="Load"/>.
/// </summary>
public sealed class FeatureNetwork : nn.Module<Tensor, Tensor>
{
    /// <summary>Where the shipped ResNet18 ONNX files are copied in every build output.</summary>
    public static string ResNet18Directory => Path.Combine(AppContext.BaseDirectory, "Onnx", "ResNet18");

    private readonly OnnxModule backbone;
    private readonly Tensor? mean_image;
    private readonly long[]? _inputSize;

    /// <summary>The name used in metric labels ("ResNet18", or the file name).</summary>
    public string Label { get; }

    public ImageNormalization Normalization { get; }

    /// <summary>The value holding pooled features.</summary>
    public string FeatureValue { get; }

    /// <summary>The value holding class logits, or null when the network has no classifier output.</summary>
    public string? LogitsValue { get; }

    /// <summary>The values a perceptual loss compares.</summary>
    public IReadOnlyList<string> Taps { get; }

    /// <summary>The backbone graph as a module.</summary>
    public OnnxModule Backbone => backbone;

    /// <summary>The spatial size the graph declares for its input ([H, W]), or null when it is not fixed.</summary>
    public IReadOnlyList<long>? InputSize => _inputSize;

    FeatureNetwork(OnnxModule module, FeatureNetworkOptions options, string label) : base(nameof(FeatureNetwork))
    {
        if (module.Inputs.Count != 1)
            throw new InvalidDataException($"ONNX backbone '{label}' has {module.Inputs.Count} inputs; a feature network takes one image input.");
        backbone = module;
        Label = label;
        Normalization = options.Normalization;
        var declared = module.Inputs[0].Shape;
        if (declared is { Count: 4 } && declared[2] is long h && declared[3] is long w) _inputSize = [h, w];
        if (Normalization == ImageNormalization.BgrMeanImage)
        {
            var mean = options.MeanImage ?? throw new ArgumentException("BgrMeanImage normalisation needs a mean image.", nameof(options));
            mean_image = mean.ToTorch();
            if (mean_image.dim() != 4 || mean_image.shape[1] != 3) throw new InvalidDataException($"Mean image '{mean.Name}' has shape [{string.Join(", ", mean_image.shape)}]; [1, 3, H, W] was expected.");
        }

        FeatureValue = options.Features ?? FeatureTaps.PooledFeatures(module) ?? module.Outputs[0];
        LogitsValue = options.Logits ?? FindLogits(module, FeatureValue);
        Taps = options.Taps ?? FeatureTaps.Find(module);
        foreach (string value in new[] { FeatureValue, LogitsValue }.OfType<string>().Concat(Taps))
            if (!module.Values.Contains(value) && !module.Outputs.Contains(value))
                throw new ArgumentException($"ONNX backbone '{label}' has no value '{value}'.");
        RegisterComponents();
        eval();
    }

    static string? FindLogits(OnnxModule module, string features)
    {
        foreach (string output in module.Outputs)
        {
            if (output == features) continue;
            var producer = module.Nodes.LastOrDefault(n => n.Outputs.Contains(output));
            if (producer?.OpType == "Softmax") return producer.Inputs[0];
            return output;
        }
        return null;
    }

    /// <summary>
    /// The shipped ImageNet ResNet18 (Microsoft.ML.DnnImageFeaturizer.ResNet18): BGR mean-image preprocessing from its
    /// preprocessing graph, 224x224 input, 512-d pooled features, five stage taps, no logits.
    /// </summary>
    public static FeatureNetwork ResNet18(string? directory = null)
    {
        directory ??= ResNet18Directory;
        string model = Path.Combine(directory, "ResNet18.onnx"), prep = Path.Combine(directory, "ResNetPreprocess.onnx");
        if (!File.Exists(model) || !File.Exists(prep))
            throw new FileNotFoundException($"The shipped ResNet18 ONNX files were not found in '{directory}' (ResNet18.onnx, ResNetPreprocess.onnx); " +
                "they come from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package and are copied to Onnx/ResNet18 in the build output.");
        var meanImage = OnnxReader.Read(prep).Graph.Initializers.SingleOrDefault(t => t.Name == "MeanImage")
            ?? throw new InvalidDataException($"'{prep}' has no MeanImage initializer.");
        return new FeatureNetwork(OnnxModule.Load(model), new FeatureNetworkOptions
        {
            Normalization = ImageNormalization.BgrMeanImage,
            MeanImage = meanImage,
        }, "ResNet18");
    }

    /// <summary>Loads any ONNX backbone with one image input.</summary>
    public static FeatureNetwork Load(string path, FeatureNetworkOptions? options = null)
    {
        options ??= new FeatureNetworkOptions();
        return new FeatureNetwork(OnnxModule.Load(path), options, options.Name ?? Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>Builds a feature network from an already parsed model (tests, synthetic backbones).</summary>
    public static FeatureNetwork FromModel(OnnxModel model, FeatureNetworkOptions options, string label) =>
        new(OnnxModule.FromModel(model, label), options, label);

    /// <summary>"FID" for an Inception network with 2048-d features (pool3), otherwise "FD-{Label}".</summary>
    public string FrechetLabel(long featureDim) =>
        featureDim == 2048 && Label.Contains("inception", StringComparison.OrdinalIgnoreCase) ? "FID" : $"FD-{Label}";

    /// <summary>"IS" for an Inception network, otherwise "IS-{Label}".</summary>
    public string InceptionScoreLabel => Label.Contains("inception", StringComparison.OrdinalIgnoreCase) ? "IS" : $"IS-{Label}";

    /// <summary>Converts images (RGB in [-1, 1]) to what the graph expects, optionally resized to its declared input size.</summary>
    public Tensor Prepare(Tensor images, bool resize)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Feature network '{Label}' takes images [B, 3, H, W]; got [{string.Join(", ", images.shape)}].");
        using var scope = NewDisposeScope();
        var x = images.to(backbone.FloatType, backbone.Device);
        if (resize && _inputSize is { } size && (x.shape[2] != size[0] || x.shape[3] != size[1]))
            x = nn.functional.interpolate(x, size, mode: InterpolationMode.Bilinear, align_corners: false);
        x = Normalization switch
        {
            ImageNormalization.MinusOneToOne => x,
            ImageNormalization.ZeroToOne => x.Plus(One) / Two,
            ImageNormalization.ZeroTo255 => x.Plus(One) * HalfByte,
            ImageNormalization.ImageNet => (x.Plus(One) / Two - Channels(x, 0.485, 0.456, 0.406)) / Channels(x, 0.229, 0.224, 0.225),
            ImageNormalization.Lpips => (x - Channels(x, -0.030, -0.088, -0.188)) / Channels(x, 0.458, 0.448, 0.450),
            _ => BgrMinusMean(x),
        };
        if (ReferenceEquals(x, images)) x = images.alias();   // the caller keeps and disposes its own tensor
        return x.MoveToOuterDisposeScope();
    }

    Tensor BgrMinusMean(Tensor x)
    {
        var bgr = x.flip(1);
        var mean = mean_image!;
        if (mean.shape[2] != x.shape[2] || mean.shape[3] != x.shape[3])
            mean = nn.functional.interpolate(mean, [x.shape[2], x.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
        return bgr.Plus(One) * HalfByte - mean;
    }

    static readonly Scalar HalfByte = 127.5.ToScalar();   // held: see HeldScalars

    static Tensor Channels(Tensor like, double r, double g, double b) =>
        tensor(new[] { r, g, b }, like.dtype, like.device).view(1, 3, 1, 1);

    /// <summary>Runs the backbone on images (RGB, [-1, 1]) and returns the named values.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(Tensor images, bool resize, params string[] values)
    {
        using var input = Prepare(images, resize);
        return backbone.Run(new Dictionary<string, Tensor> { [backbone.Inputs[0].Name] = input }, values);
    }

    /// <summary>Pooled features [B, D] (images resized to the declared input size).</summary>
    public Tensor Features(Tensor images)
    {
        var result = Run(images, resize: true, FeatureValue);
        using var features = result[FeatureValue];
        return features.flatten(1);
    }

    public bool HasLogits => LogitsValue is not null;

    /// <summary>Class logits [B, K]; throws when the network has no classifier output.</summary>
    public Tensor Logits(Tensor images)
    {
        if (LogitsValue is null)
            throw new InvalidOperationException($"Feature network '{Label}' has no classifier output, so it gives no logits.");
        var result = Run(images, resize: true, LogitsValue);
        using var logits = result[LogitsValue];
        return logits.flatten(1);
    }

    /// <summary>The tap values for a perceptual loss, at the images' own size.</summary>
    public Tensor[] TapValues(Tensor images)
    {
        var result = Run(images, resize: false, [.. Taps]);
        return Taps.Select(t => result[t]).ToArray();
    }

    public override Tensor forward(Tensor images) => Features(images);
}
