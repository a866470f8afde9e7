namespace ViTok.Models.Clips;

/// <summary>A view of some items of another source, in the order given; origins and labels are the inner source's.</summary>
public sealed class SubsetSource : IClipSource
{
    readonly int[] _indices;

    /// <summary>Items <paramref name="indices"/> of <paramref name="inner"/>; <paramref name="name"/> appears in the description.</summary>
    public SubsetSource(IClipSource inner, IEnumerable<int> indices, string name)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(indices);
        Inner = inner;
        _indices = indices.ToArray();
        Name = name;
        int bad = Array.FindIndex(_indices, i => i < 0 || i >= inner.Count);
        if (bad >= 0) throw new ArgumentOutOfRangeException(nameof(indices), $"Index {_indices[bad]} is outside {inner.Description} (0..{inner.Count - 1}).");
    }

    /// <summary>The source this is a part of.</summary>
    public IClipSource Inner { get; }

    /// <summary>What this part is called ("train", "held-out").</summary>
    public string Name { get; }

    /// <summary>The inner indices of this subset's items.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc/>
    public string? Fingerprint => Inner.Fingerprint;

    public string Description => $"{Inner.Description}, {Name} part: {_indices.Length} items";

    /// <inheritdoc/>
    public int Count => _indices.Length;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => Inner.ClassNames;

    /// <inheritdoc/>
    public Clip Read(int index, Random rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _indices.Length);
        return Inner.Read(_indices[index], rng);
    }
}
