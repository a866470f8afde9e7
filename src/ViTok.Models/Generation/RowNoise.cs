using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Generation;

/// <summary>
/// Sampling noise drawn row by row, each row from its own generator, so that a sample depends only on its own seed
/// and label: never on the batch it was drawn in, its size, or its neighbours.
/// </summary>
public sealed class RowNoise : IDisposable
{
    readonly Generator[] _generators;
    readonly Device _device;

    public RowNoise(IReadOnlyList<long> seeds, Device device)
    {
        _generators = seeds.Select(s => new Generator((ulong)s, device)).ToArray();
        _device = device;
    }

    /// <summary>The seed of row <paramref name="row"/> of a run seeded with <paramref name="seed"/> (rows 0, 1, 2, ... of `vitok generate`).</summary>
    public static long RowSeed(long seed, long row) => unchecked(seed * 1_000_003 + row * 7_919 + 0x5EED);

    /// <summary>Seeds of rows [first, first + count) of a run seeded with <paramref name="seed"/>.</summary>
    public static long[] Seeds(long seed, long first, int count) => Enumerable.Range(0, count).Select(i => RowSeed(seed, first + i)).ToArray();

    public int Rows => _generators.Length;

    /// <summary>Standard normal noise [rows, ...<paramref name="rowShape"/>].</summary>
    public Tensor Randn(params long[] rowShape)
    {
        using var scope = NewDisposeScope();
        return stack(_generators.Select(g => randn(rowShape, device: _device, generator: g)).ToArray()).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var g in _generators) g.Dispose();
    }
}
