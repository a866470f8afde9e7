using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

/// <summary>
/// A source for loader tests: item i is a 1x1 clip whose red value is i / 1000 and green value the first draw of
/// the Random it was read with, so a batch shows both which items came and which random state each got.
/// Items for which <see cref="Bad"/> holds throw <see cref="BadItemException"/> with origin "/data/item{i}.png".
/// </summary>
sealed class FakeSource(int count) : IClipSource
{
    int _reads;

    public Func<int, bool> Bad { get; init; } = _ => false;

    /// <summary>Milliseconds each read of item i sleeps: lets tests scramble worker timing or slow the source.</summary>
    public Func<int, int> DelayMs { get; init; } = _ => 0;

    public int Reads => Volatile.Read(ref _reads);

    public string Description => $"fake ({count} items)";
    public int Count => count;
    public IReadOnlyList<string> ClassNames => [];

    public Clip Read(int index, Random rng)
    {
        Interlocked.Increment(ref _reads);
        int delay = DelayMs(index);
        if (delay > 0) Thread.Sleep(delay);
        if (Bad(index)) throw new BadItemException(Origin(index), "corrupt on purpose");
        return new Clip([index / 1000f, (float)rng.NextDouble(), 0f], 1, 1, 1, index % 3, Origin(index));
    }

    public static string Origin(int index) => $"/data/item{index}.png";

    /// <summary>The item index a clip of this source came from.</summary>
    public static int ItemOf(Clip clip) => (int)MathF.Round(clip.Pixels[0] * 1000);

    /// <summary>A batch as comparable text: "item:random" pairs.</summary>
    public static string Show(ClipBatch batch) =>
        string.Join(" ", batch.Clips.Select(c => $"{ItemOf(c)}:{c.Pixels[1]:R}"));
}
