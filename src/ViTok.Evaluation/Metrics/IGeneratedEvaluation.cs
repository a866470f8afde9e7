using static TorchSharp.torch;

namespace ViTok.Models.Metrics;

/// <summary>What `vitok generate --evaluate` measures a drawn set with: <see cref="GeneratedSetEvaluation"/> for images, <see cref="GeneratedClipEvaluation"/> for clips.</summary>
public interface IGeneratedEvaluation : IDisposable
{
    /// <summary>The classifier's class names (empty without a classifier).</summary>
    IReadOnlyList<string> ClassifierClasses { get; }

    /// <summary>Scores a set [N, 3, T, H, W] in [-1, 1] drawn for <paramref name="requested"/> classes (null: no class accuracy).</summary>
    IReadOnlyDictionary<string, double> Evaluate(Tensor samples, IReadOnlyList<int>? requested);
}
