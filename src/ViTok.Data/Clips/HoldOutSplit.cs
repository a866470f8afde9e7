namespace ViTok.Models.Clips;

/// <summary>Deterministic train / held-out split of a source for evaluation.</summary>
public static class HoldOutSplit
{
    /// <summary>
    /// Shuffles the item indices with a permutation drawn from <paramref name="seed"/> and holds out the last
    /// round(count x <paramref name="fraction"/>) of them (at least one); each part keeps its items in source order.
    /// The same source size, fraction and seed always give the same parts, so an evaluation set stays fixed across runs.
    /// </summary>
    public static (SubsetSource Train, SubsetSource HeldOut) Split(IClipSource source, double fraction, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The held-out fraction must be between 0 and 1 (exclusive).");
        int n = source.Count;
        if (n < 2) throw new ArgumentException($"{source.Description} has {n} item(s); a split needs at least 2.", nameof(source));
        int held = Math.Clamp((int)Math.Round(n * fraction), 1, n - 1);
        var order = DeterministicRandom.Permutation(n, DeterministicRandom.Seed(seed, 0x4E1D_0017));
        var train = order[..(n - held)].Order().ToArray();
        var heldOut = order[(n - held)..].Order().ToArray();
        return (new SubsetSource(source, train, "train"), new SubsetSource(source, heldOut, "held-out"));
    }
}
