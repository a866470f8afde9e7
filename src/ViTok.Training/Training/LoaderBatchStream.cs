using ViTok.Models.Clips;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>An endless <see cref="IBatchStream"/> over a <see cref="ClipLoader"/> (background decoding, exact resume).</summary>
public sealed class LoaderBatchStream : IBatchStream
{
    readonly ClipLoader _loader;
    readonly CancellationToken _cancel;

    /// <param name="position">A <see cref="Position"/> saved earlier, or null for the start.</param>
    public LoaderBatchStream(IClipSource source, ClipLoaderOptions options, string? position, CancellationToken cancel = default)
    {
        _loader = new ClipLoader(source, options with { Epochs = null }, position is null ? null : LoaderPosition.Parse(position));
        _cancel = cancel;
    }

    public Tensor Next()
    {
        var batch = _loader.Next(_cancel) ?? throw new InvalidOperationException("The training data ended although the stream has no epoch limit.");
        return batch.ToTensor();
    }

    public string Position => _loader.Position.ToString();
    public IReadOnlyList<string> SkippedItems => _loader.BadOrigins;
    public void Dispose() => _loader.Dispose();
}
