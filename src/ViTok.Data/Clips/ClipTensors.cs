using TorchSharp;
using ViTok.Models.Runtime;

namespace ViTok.Models.Clips;

/// <summary>The one bridge from clips (plain float arrays) to torch.</summary>
public static class ClipTensors
{
    /// <summary>
    /// Stacks clips of one shape into a float32 tensor [B, 3, T, H, W] on <paramref name="device"/> (CPU by default).
    /// Throws <see cref="ArgumentException"/> naming the first clip whose shape differs from the first one's.
    /// </summary>
    public static torch.Tensor Stack(IReadOnlyList<Clip> clips, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0) throw new ArgumentException("Cannot stack an empty batch of clips.", nameof(clips));
        var first = clips[0];
        foreach (var c in clips)
        {
            if (c.Pixels.Length != c.Length)
                throw new ArgumentException($"Clip '{c.Origin}' holds {c.Pixels.Length} floats but says it is 3x{c.Frames}x{c.Height}x{c.Width}.", nameof(clips));
            if (c.Frames != first.Frames || c.Height != first.Height || c.Width != first.Width)
                throw new ArgumentException(
                    $"Clip '{c.Origin}' is {c.Frames}x{c.Height}x{c.Width} (TxHxW) but '{first.Origin}' is {first.Frames}x{first.Height}x{first.Width}; " +
                    "give the source a resize and crop so that every item has the same size.", nameof(clips));
        }
        TorchRuntime.EnsureLoaded();
        int length = first.Length;
        var data = new float[(long)clips.Count * length];
        for (int i = 0; i < clips.Count; i++) clips[i].Pixels.CopyTo(data, (long)i * length);
        var tensor = torch.tensor(data, [clips.Count, 3, first.Frames, first.Height, first.Width]);
        if (device is null || device.type == DeviceType.CPU) return tensor;
        using (tensor) return tensor.to(device);
    }
}
