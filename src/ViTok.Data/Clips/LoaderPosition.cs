using System.Globalization;

namespace ViTok.Models.Clips;

/// <summary>
/// Where a <see cref="ClipLoader"/> stands: the next batch starts at position <see cref="Index"/> of epoch
/// <see cref="Epoch"/>'s permutation. Save it with a checkpoint (<see cref="ToString"/> gives "epoch:index") and
/// pass it back to a new loader (same source, options and seed) to get exactly the batches that would have followed.
/// </summary>
public sealed record LoaderPosition(int Epoch, int Index)
{
    /// <summary>The start of training: epoch 0, index 0.</summary>
    public static LoaderPosition Start { get; } = new(0, 0);

    /// <summary>"epoch:index", e.g. "3:128"; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Epoch}:{Index}");

    /// <summary>Reads "epoch:index"; throws <see cref="FormatException"/> naming the text otherwise.</summary>
    public static LoaderPosition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            return new LoaderPosition(epoch, index);
        throw new FormatException($"Loader position '{text}' is not of the form EPOCH:INDEX with two non-negative integers (e.g. 3:128).");
    }
}
