using TorchSharp;
using ViTok.Models.Onnx;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Onnx;

/// <summary>
/// The shipped ImageNet ResNet18 (Microsoft.ML.DnnImageFeaturizer.ResNet18), run by the TorchSharp executor, against
/// ONNX Runtime running the package's own two graphs (preprocessing, then ResNet18) on the same pixels.
/// </summary>
[TestClass]
public sealed class ResNet18Tests
{
    static FeatureNetwork? _network;

    static FeatureNetwork Network => _network ??= FeatureNetwork.ResNet18();

    [ClassCleanup]
    public static void Cleanup() => _network?.Dispose();

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(3);
    }

    [TestMethod]
    public void Reader_sees_the_resnet18_graph()
    {
        var model = OnnxReader.Read(Path.Combine(FeatureNetwork.ResNet18Directory, "ResNet18.onnx"));
        Assert.AreEqual(8, model.DefaultOpset);
        Assert.AreEqual("Input247", model.Graph.Inputs.Single().Name);
        CollectionAssert.AreEqual(new long?[] { 1, 3, 224, 224 }, model.Graph.Inputs.Single().Shape!.ToArray());
        Assert.AreEqual("Pooling395_Output_0", model.Graph.Outputs.Single().Name);
        Assert.AreEqual(22, model.Graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.AreEqual(22, model.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"));
        Assert.HasCount(110, model.Graph.Initializers);
        // CNTK's ResNet18 differs from torchvision's: its last stage has three basic blocks (2-2-2-3, hence 22 convolutions)
        // and it ends at the average pool. Learned weights (convolutions, BN scale and bias) without BN running statistics:
        Assert.AreEqual(15_897_152, model.Graph.Initializers.Where(t => t.Name.StartsWith("Parameter", StringComparison.Ordinal)).Sum(t => t.ElementCount));
    }

    [TestMethod]
    public void Network_finds_pooled_features_stage_taps_and_no_logits()
    {
        Assert.AreEqual("Pooling395_Output_0", Network.FeatureValue);
        Assert.IsNull(Network.LogitsValue, "the shipped ResNet18 ends at the pool");
        CollectionAssert.AreEqual(new[] { "ReLU253_Output_0", "ReLU283_Output_0", "ReLU315_Output_0", "ReLU347_Output_0", "ReLU393_Output_0" }, Network.Taps.ToArray());
        CollectionAssert.AreEqual(new long[] { 224, 224 }, Network.InputSize!.ToArray());
        Assert.AreEqual("FD-ResNet18", Network.FrechetLabel(512));
    }

    [TestMethod]
    public void Features_and_taps_match_onnx_runtime_within_1e4()
    {
        using var scope = NewDisposeScope();
        var images = rand(2, 3, 224, 224) * 2 - 1;
        var model = OnnxReader.Read(Path.Combine(FeatureNetwork.ResNet18Directory, "ResNet18.onnx"));
        var prep = OnnxReader.Read(Path.Combine(FeatureNetwork.ResNet18Directory, "ResNetPreprocess.onnx"));
        // ONNX Runtime may only return declared outputs: declare the taps as outputs too.
        var taps = Network.Taps.ToArray();
        var withTaps = model with { Graph = model.Graph with { Outputs = [.. model.Graph.Outputs, .. taps.Select(t => new OnnxValueInfo(t, OnnxDataType.Float, null))] } };

        using var _ = no_grad();
        var ours = Network.Run(images, resize: true, [Network.FeatureValue, .. taps]);
        for (int b = 0; b < 2; b++)
        {
            // The package's own pipeline: RGB in [0, 255] -> preprocessing graph -> ResNet18 graph (batch 1 is declared).
            var rgb255 = (images[b..(b + 1)] + 1) * 127.5;
            var prepared = TestGraph.RunOrt(prep, new Dictionary<string, Tensor> { ["OriginalInput"] = rgb255 })["PreprocessedInput"];
            var expected = TestGraph.RunOrt(withTaps, new Dictionary<string, Tensor> { ["Input247"] = tensor(prepared.Data, prepared.Shape) });
            foreach (string value in expected.Keys)
            {
                var actual = TestGraph.Floats(ours[value][b..(b + 1)]);
                double error = TestGraph.RelativeNormError(expected[value].Data, actual);
                Assert.IsLessThan(1e-4, error, $"image {b}, '{value}': relative error {error:g3}");
                Assert.IsLessThan(1e-4, TestGraph.RelativeError(expected[value].Data, actual), $"image {b}, '{value}': max error");
            }
        }
        CollectionAssert.AreEqual(new long[] { 2, 512, 1, 1 }, ours[Network.FeatureValue].shape);
    }

    [TestMethod]
    public void Mean_image_preprocessing_matches_the_shipped_preprocessing_graph()
    {
        using var scope = NewDisposeScope();
        var images = rand(1, 3, 224, 224) * 2 - 1;
        var prep = OnnxReader.Read(Path.Combine(FeatureNetwork.ResNet18Directory, "ResNetPreprocess.onnx"));
        using var executor = OnnxModule.FromModel(prep, "prep");
        var rgb255 = (images + 1) * 127.5;
        var viaGraph = TestGraph.Floats(executor.forward(rgb255));
        var viaOrt = TestGraph.RunOrt(prep, new Dictionary<string, Tensor> { ["OriginalInput"] = rgb255 })["PreprocessedInput"].Data;
        var ours = TestGraph.Floats(Network.Prepare(images, resize: true));
        Assert.IsLessThan(1e-6, TestGraph.RelativeError(viaOrt, viaGraph), "Split/Concat/Sub graph through the executor");
        Assert.IsLessThan(1e-6, TestGraph.RelativeError(viaOrt, ours), "FeatureNetwork's BGR mean-image preprocessing");
    }

    [TestMethod]
    public void Runs_in_bfloat16_close_to_float32()
    {
        using var scope = NewDisposeScope();
        var images = rand(2, 3, 64, 64) * 2 - 1;
        using var _ = no_grad();
        var reference = Network.Features(images);
        using var bf16 = FeatureNetwork.ResNet18();
        bf16.to(ScalarType.BFloat16);
        Assert.AreEqual(ScalarType.BFloat16, bf16.Backbone.FloatType);
        var features = bf16.Features(images);
        Assert.AreEqual(ScalarType.BFloat16, features.dtype);
        var cosine = nn.functional.cosine_similarity(reference, features.to(ScalarType.Float32), 1);
        Assert.IsGreaterThan(0.99, cosine.min().item<float>(), "bf16 features point the same way as float32 ones");
    }
}
