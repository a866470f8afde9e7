using System.Globalization;

namespace ViTok.Cli.Shards;

/// <summary>Shard <see cref="Index"/> of <see cref="Count"/> (0-based): the items <see cref="Models.Clips.ShardAssignment"/> gives it.</summary>
public sealed record ShardSpec(int Index, int Count)
{
    /// <summary>"part-K-of-N": the name of the shard's folder (with ".parquet") in the output folder.</summary>
    public string Name => $"part-{Index}-of-{Count}";

    /// <summary>Parses "K/N"; the message names <paramref name="option"/> when the text is malformed.</summary>
    public static ShardSpec Parse(string option, string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new ArgumentException($"{option}: '{text}' is not K/N (e.g. 0/4: the first of 4 shards).");
        return Create(option, k, n);
    }

    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/>, checked.</summary>
    public static ShardSpec Create(string option, int index, int count)
    {
        if (count < 1) throw new ArgumentException($"{option}: the shard count {count} must be at least 1.");
        if (index < 0 || index >= count) throw new ArgumentException($"{option}: shard {index} is outside 0..{count - 1} (shards are numbered from 0).");
        return new ShardSpec(index, count);
    }
}
