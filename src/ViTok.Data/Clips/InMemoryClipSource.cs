namespace ViTok.Models.Clips;

/// <summary>
/// Clips already held in memory (each [3, T, H, W] floats in [-1, 1], unlabelled), in the order given; no
/// augmentation. What an ML.NET IDataView becomes for the recipes, so that it is loaded, split and batched as a
/// source on disk is (<see cref="ClipLoader"/>).
/// </summary>
public sealed class InMemoryClipSource : IClipSource
{
    readonly IReadOnlyList<float[]> _items;
    readonly int _frames, _height, _width;

    /// <param name="description">What the items are, for progress lines, errors and checkpoints.</param>
    public InMemoryClipSource(IReadOnlyList<float[]> items, int frames, int height, int width, string description)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        int length = 3 * frames * height * width;
        for (int i = 0; i < items.Count; i++)
            if (items[i].Length != length)
                throw new ArgumentException($"Item {i} of {description} has {items[i].Length} numbers; [3, {frames}, {height}, {width}] needs {length}.", nameof(items));
        (_items, _frames, _height, _width) = (items, frames, height, width);
        Description = description;
    }

    public string Description { get; }
    public int Count => _items.Count;
    public IReadOnlyList<string> ClassNames => [];

    /// <summary>Item <paramref name="index"/> as given (a copy); <paramref name="rng"/> is not used.</summary>
    public Clip Read(int index, Random rng) => new((float[])_items[index].Clone(), _frames, _height, _width, -1, $"{Description}#{index}");
}
