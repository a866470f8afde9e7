using TorchSharp;
using ViTok.Models.Onnx;
using ViTok.Models.Weights;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Losses;

/// <summary>
/// A perceptual distance between images (RGB in [-1, 1], [B, 3, H, W]), per image ([B]), differentiable with
/// respect to both inputs; the network's weights are frozen. LPIPS-style: at each tap of a feature network the
/// features are unit-normalised over channels, their squared difference is weighted per channel (LPIPS's learned
/// linear weights when given, else uniformly, i.e. summed over channels), averaged over space, and the taps are
/// summed with equal weight. Named for what it is: "ResNet18 perceptual" with the shipped ResNet18 (this is not
/// LPIPS), "VGG16 perceptual" for a VGG16 without LPIPS weights, "LPIPS-VGG" with VGG16 plus LPIPS's linear
/// weights, and "LPIPS (ONNX)" for a complete LPIPS graph with two image inputs.
/// </summary>
public sealed class PerceptualLoss : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly FeatureNetwork? network;
    private readonly OnnxModule? lpips_graph;
    private readonly int _linearCount;

    public string Label { get; }

    PerceptualLoss(FeatureNetwork? network, OnnxModule? lpipsGraph, IReadOnlyList<Tensor>? linear, string label) : base(nameof(PerceptualLoss))
    {
        this.network = network;
        lpips_graph = lpipsGraph;
        Label = label;
        RegisterComponents();
        if (linear is not null)
        {
            if (network is null || linear.Count != network.Taps.Count)
                throw new ArgumentException($"{linear.Count} linear weight tensors for {network?.Taps.Count ?? 0} taps.");
            for (int i = 0; i < linear.Count; i++) register_buffer($"lin{i}", linear[i].detach().reshape(1, -1, 1, 1));
            _linearCount = linear.Count;
        }
        eval();
    }

    /// <summary>"ResNet18 perceptual": the shipped ResNet18's five stage taps, uniform channel and layer weights.</summary>
    public static PerceptualLoss ResNet18() => new(FeatureNetwork.ResNet18(), null, null, "ResNet18 perceptual");

    /// <summary>Any feature network with uniform weights, or with per-tap channel weights ([C] or [1, C, 1, 1] each).</summary>
    public static PerceptualLoss FromNetwork(FeatureNetwork network, string label, IReadOnlyList<Tensor>? linearWeights = null) =>
        new(network, null, linearWeights, label);

    /// <summary>
    /// A VGG16 ONNX (torchvision layout; taps relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 are found as the Relus that
    /// feed each max-pool) with LPIPS's input scaling. With <paramref name="lpipsWeights"/> (safetensors holding
    /// LPIPS's lin0.model.1.weight ... lin4.model.1.weight, as in its vgg.pth) this is LPIPS-VGG; without, "VGG16 perceptual".
    /// </summary>
    public static PerceptualLoss Vgg16(string vggOnnx, string? lpipsWeights = null)
    {
        var net = FeatureNetwork.Load(vggOnnx, new FeatureNetworkOptions { Normalization = ImageNormalization.Lpips, Name = "VGG16" });
        if (lpipsWeights is null) return new PerceptualLoss(net, null, null, "VGG16 perceptual");
        var file = SafeTensorsFile.Open(lpipsWeights);
        var weights = new List<Tensor>();
        for (int i = 0; i < net.Taps.Count; i++)
        {
            string name = $"lin{i}.model.1.weight";
            if (!file.Entries.ContainsKey(name))
                throw new InvalidDataException($"LPIPS weights '{lpipsWeights}' have no '{name}' (the network has {net.Taps.Count} taps: {string.Join(", ", net.Taps)}).");
            weights.Add(file.Read(name).to(ScalarType.Float32));
        }
        return new PerceptualLoss(net, null, weights, "LPIPS-VGG");
    }

    /// <summary>A complete LPIPS graph: two image inputs (RGB in [-1, 1]), one output holding the distance per image.</summary>
    public static PerceptualLoss LpipsOnnx(string path)
    {
        var module = OnnxModule.Load(path);
        if (module.Inputs.Count != 2)
            throw new InvalidDataException($"LPIPS ONNX '{path}' has {module.Inputs.Count} inputs; two image inputs were expected.");
        return new PerceptualLoss(null, module, null, "LPIPS (ONNX)");
    }

    /// <summary>The distance of each image pair, [B].</summary>
    public override Tensor forward(Tensor x, Tensor y)
    {
        if (!x.shape.SequenceEqual(y.shape))
            throw new ArgumentException($"{Label} needs equal shapes; got [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}].");
        using var scope = NewDisposeScope();
        if (lpips_graph is not null)
        {
            var type = lpips_graph.FloatType;
            var output = lpips_graph.Run(new Dictionary<string, Tensor>
            {
                [lpips_graph.Inputs[0].Name] = x.to(type),
                [lpips_graph.Inputs[1].Name] = y.to(type),
            })[lpips_graph.Outputs[0]];
            return output.reshape(x.shape[0], -1).mean([1]).MoveToOuterDisposeScope();
        }

        var fx = network!.TapValues(x);
        var fy = network.TapValues(y);
        Tensor? total = null;
        for (int i = 0; i < fx.Length; i++)
        {
            var diff = (UnitNormalise(fx[i]) - UnitNormalise(fy[i])).Squared();
            var weighted = i < _linearCount ? (diff * get_buffer($"lin{i}")!).sum(1) : diff.sum(1);
            var layer = weighted.mean([1, 2]);
            total = total is null ? layer : total.Plus(layer);
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// f / (||f||_channels + 1e-10), as LPIPS normalises; the norm has 1e-20 under its square root so that its
    /// gradient stays finite where every channel is 0.
    /// </summary>
    static Tensor UnitNormalise(Tensor f) => f / ((f.Squared().sum(1, keepdim: true).Plus(TinySquare)).sqrt().Plus(Tiny));

    static readonly Scalar TinySquare = 1e-20.ToScalar(), Tiny = 1e-10.ToScalar();   // held: see HeldScalars
}
