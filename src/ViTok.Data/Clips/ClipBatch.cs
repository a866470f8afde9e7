using TorchSharp;

namespace ViTok.Models.Clips;

/// <summary>
/// One batch from a <see cref="ClipLoader"/>: the clips in order, where it started (<see cref="Position"/>) and
/// where the next batch starts (<see cref="Next"/>, the position to save for resuming after this batch), how many of
/// its items were unreadable and replaced (<see cref="Skipped"/>), and the origins of the unreadable items met while
/// reading it (each once; a replacement can itself be unreadable, so there may be more origins than skipped items).
/// </summary>
public sealed record ClipBatch(IReadOnlyList<Clip> Clips, LoaderPosition Position, LoaderPosition Next, int Skipped, IReadOnlyList<string> BadOrigins)
{
    /// <summary>Number of clips.</summary>
    public int Count => Clips.Count;

    /// <summary>The clips' labels (-1 where unlabelled).</summary>
    public int[] Labels => Clips.Select(c => c.Label).ToArray();

    /// <summary>The pixels as one float32 tensor [B, 3, T, H, W] on <paramref name="device"/> (CPU by default).</summary>
    public torch.Tensor ToTensor(torch.Device? device = null) => ClipTensors.Stack(Clips, device);
}
