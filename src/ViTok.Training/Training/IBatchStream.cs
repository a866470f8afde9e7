using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// An endless, deterministic stream of training batches whose position can be saved and restored, so that a
/// resumed run sees exactly the batches an uninterrupted run would have seen.
/// </summary>
public interface IBatchStream : IDisposable
{
    /// <summary>The next batch [B, 3, T, H, W] in [-1, 1] on the CPU; the caller owns it.</summary>
    Tensor Next();

    /// <summary>Where the stream is (opaque text, stored in checkpoints).</summary>
    string Position { get; }

    /// <summary>Items skipped as unreadable so far (with the option to skip them), with the reason.</summary>
    IReadOnlyList<string> SkippedItems { get; }
}
