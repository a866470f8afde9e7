using ViTok.Models.Runtime;

namespace ViTok.Models.Clips;

/// <summary>
/// One training or evaluation item: pixels [3, T, H, W] (channel-major, RGB in [-1, 1]; images have T = 1),
/// an optional class label (-1 when there is none) and where it came from (a file path, "fashion-mnist:train#12", ...).
/// </summary>
public sealed record Clip(float[] Pixels, int Frames, int Height, int Width, int Label, string Origin)
{
    public int Length => 3 * Frames * Height * Width;
}

/// <summary>
/// A finite, indexable source of clips. Reading item i with the same <see cref="Random"/> state always gives the
/// same clip, which is what makes loading deterministic for a seed and resumable from a position.
/// Implementations are thread-safe: <see cref="Read"/> is called from several background workers at once.
/// </summary>
public interface IClipSource
{
    /// <summary>What the source is, for progress lines and errors (e.g. "folder /data/photos (303 images)").</summary>
    string Description { get; }

    /// <summary>Number of items.</summary>
    int Count { get; }

    /// <summary>
    /// For sources read from files: a fingerprint of the files as they are now (<see cref="FileFingerprint"/>), so a
    /// resumed run can tell that an image was replaced or renamed since its checkpoint. Null for generated sources.
    /// </summary>
    string? Fingerprint => null;

    /// <summary>Class names when the source is labelled (index = label), else empty.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Reads item <paramref name="index"/>, applying the source's augmentation (crops, flips, ...) with
    /// <paramref name="rng"/>. A file that cannot be read raises <see cref="BadItemException"/> naming the file.
    /// </summary>
    Clip Read(int index, Random rng);
}

/// <summary>An item of a source could not be read (corrupt or unreadable file, too many pixels, ...).</summary>
public sealed class BadItemException(string origin, string reason, Exception? inner = null)
    : Exception($"{origin}: {reason}", inner), IInputFault
{
    public string Origin { get; } = origin;
}
