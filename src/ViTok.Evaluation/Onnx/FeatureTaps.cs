namespace ViTok.Models.Onnx;

/// <summary>
/// Finds the values of a convolutional backbone that summarise each stage, for perceptual losses: the outputs of
/// Relu nodes that feed a pooling node (the stem and the last stage of a ResNet; relu1_2, relu2_2, relu3_3,
/// relu4_3, relu5_3 of a VGG16, the LPIPS taps) or that two or more Conv nodes read (the input of a ResNet's
/// downsampling block, i.e. each stage's output).
/// </summary>
public static class FeatureTaps
{
    static readonly HashSet<string> Pools = ["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"];

    public static IReadOnlyList<string> Find(OnnxModule module)
    {
        var readers = new Dictionary<string, List<OnnxNode>>();
        foreach (var node in module.Nodes)
            foreach (string input in node.Inputs.Where(i => i.Length > 0))
            {
                if (!readers.TryGetValue(input, out var list)) readers[input] = list = [];
                list.Add(node);
            }
        var taps = new List<string>();
        foreach (var node in module.Nodes.Where(n => n.OpType == "Relu"))
        {
            string value = node.Outputs[0];
            if (!readers.TryGetValue(value, out var consumers)) continue;
            if (consumers.Any(c => Pools.Contains(c.OpType)) || consumers.Count(c => c.OpType == "Conv") >= 2) taps.Add(value);
        }
        return taps;
    }

    /// <summary>The pooled-feature value: the output of the last pooling node that reduces to 1x1 or of the last global pool.</summary>
    public static string? PooledFeatures(OnnxModule module) =>
        module.Nodes.LastOrDefault(n => n.OpType is "GlobalAveragePool" or "AveragePool" or "ReduceMean")?.Outputs[0];
}
