using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ViTok.Models.Clips;

/// <summary>
/// Splits a source into N shards by item name: item x belongs to shard
/// <c>first 8 bytes of SHA-256(UTF-8 name of x), big-endian, mod N</c>, so the split does not depend on the listing
/// order and every item is in exactly one shard. The name is <see cref="IKeyedClipSource.Key"/> (a path relative to
/// the folder, or as listed); sources without file names (synthetic, Fashion-MNIST, video clips) use the item number,
/// their order being fixed by the source itself. Within a shard items are ordered by name (ordinal).
/// </summary>
public static class ShardAssignment
{
    /// <summary>The shard (0..<paramref name="shards"/>-1) of the item named <paramref name="key"/>.</summary>
    public static int Of(string key, int shards)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % (ulong)shards);
    }

    /// <summary>The name by which item <paramref name="index"/> of <paramref name="source"/> is assigned.</summary>
    public static string KeyOf(IClipSource source, int index) =>
        source is IKeyedClipSource keyed ? keyed.Key(index) : index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The items of shard <paramref name="shard"/> of <paramref name="shards"/>, ordered by name: source indices and names.</summary>
    public static (int[] Indices, string[] Keys) Items(IClipSource source, int shard, int shards)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        var items = Enumerable.Range(0, source.Count)
            .Select(i => (Index: i, Key: KeyOf(source, i)))
            .Where(item => Of(item.Key, shards) == shard)
            .OrderBy(item => item.Key, StringComparer.Ordinal)
            .ToArray();
        return (items.Select(item => item.Index).ToArray(), items.Select(item => item.Key).ToArray());
    }
}
