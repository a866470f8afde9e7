using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Metrics;

/// <summary>
/// A tiny labelled problem for classifier tests: item i is a size x size image of class i % 3 whose red, green or blue
/// channel (by class) is the brightest, with random levels and per-pixel noise drawn from (seed, i).
/// </summary>
sealed class ColourSource(int count, int size = 16, int seed = 0, bool labelled = true) : IClipSource
{
    public static readonly string[] Names = ["red", "green", "blue"];

    public string Description => $"colours ({count} items, seed {seed})";
    public int Count => count;
    public IReadOnlyList<string> ClassNames => labelled ? Names : [];

    public Clip Read(int index, Random rng)
    {
        var g = new Random(DeterministicRandom.Seed(seed, index));
        int label = index % 3;
        var levels = new float[3];
        for (int c = 0; c < 3; c++) levels[c] = (float)(g.NextDouble() * 0.6 - 0.9);   // dim: -0.9 .. -0.3
        levels[label] = (float)(g.NextDouble() * 0.6 + 0.3);                              // bright: 0.3 .. 0.9
        var pixels = new float[3 * size * size];
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < size * size; p++)
                pixels[c * size * size + p] = Math.Clamp(levels[c] + (float)(g.NextDouble() - 0.5) * 0.4f, -1f, 1f);
        return new Clip(pixels, 1, size, size, labelled ? label : -1, $"colours#{index}");
    }
}
