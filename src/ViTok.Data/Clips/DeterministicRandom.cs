namespace ViTok.Models.Clips;

/// <summary>
/// Seeds and permutations that depend only on their inputs: never on <see cref="HashCode"/> (randomised per
/// process), thread timing or the .NET version. <see cref="Random(int)"/> with a seed uses the same legacy
/// algorithm on every .NET version, so a derived seed gives the same stream everywhere.
/// </summary>
public static class DeterministicRandom
{
    /// <summary>Mixes the parts into one 31-bit seed (SplitMix64 finaliser applied after each part).</summary>
    public static int Seed(params ReadOnlySpan<long> parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (long p in parts) h = Mix(h ^ (ulong)p) + 0x9E3779B97F4A7C15UL;
        return (int)(Mix(h) & 0x7FFF_FFFF);
    }

    /// <summary>The random stream for one item of one epoch: the same whichever worker reads it, and whenever.</summary>
    public static Random ForItem(int seed, int epoch, int index) => new(Seed(seed, epoch, index));

    /// <summary>A Fisher-Yates permutation of 0..count-1 drawn from <paramref name="seed"/>.</summary>
    public static int[] Permutation(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var rng = new Random(seed);
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
