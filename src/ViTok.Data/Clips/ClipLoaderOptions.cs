namespace ViTok.Models.Clips;

/// <summary>Options of <see cref="ClipLoader"/>.</summary>
public sealed record ClipLoaderOptions
{
    /// <summary>Clips per batch (default 8).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Seeds the epoch permutations and every item's <see cref="Random"/>.</summary>
    public int Seed { get; init; }

    /// <summary>Visit items in a new random order each epoch (default); false = source order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Background threads decoding batches (default 2).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Batches decoded ahead of the consumer at most (default 4; raised to <see cref="Workers"/> if lower).</summary>
    public int Prefetch { get; init; } = 4;

    /// <summary>Leave out the last, smaller batch of each epoch (default false: it is delivered).</summary>
    public bool DropLast { get; init; }

    /// <summary>
    /// Replace an unreadable item (<see cref="BadItemException"/>) by the next source index instead of stopping,
    /// count it, and list its origin in <see cref="ClipLoader.BadOrigins"/>. Default false: the first bad item stops the run.
    /// </summary>
    public bool SkipBadItems { get; init; }

    /// <summary>With <see cref="SkipBadItems"/>: how many items in a row may be unreadable before the loader gives up (default 64).</summary>
    public int MaxConsecutiveBadItems { get; init; } = 64;

    /// <summary>Stop after this many epochs (then <see cref="ClipLoader.Next"/> returns null); null = endless (default).</summary>
    public int? Epochs { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is out of range.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"Batch size must be positive, not {BatchSize}.", nameof(BatchSize));
        if (Workers < 1) throw new ArgumentException($"Loader workers must be positive, not {Workers}.", nameof(Workers));
        if (Prefetch < 1) throw new ArgumentException($"Loader prefetch must be positive, not {Prefetch}.", nameof(Prefetch));
        if (MaxConsecutiveBadItems < 1) throw new ArgumentException($"MaxConsecutiveBadItems must be positive, not {MaxConsecutiveBadItems}.", nameof(MaxConsecutiveBadItems));
        if (Epochs is < 1) throw new ArgumentException($"Epochs must be positive or null (endless), not {Epochs}.", nameof(Epochs));
    }
}
