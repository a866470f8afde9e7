using System.Buffers.Binary;
using System.IO.Compression;

namespace ViTok.Models.Clips;

/// <summary>
/// An IDX file of unsigned bytes (the MNIST / Fashion-MNIST format): big-endian magic 0x00 0x00 0x08 N, N
/// big-endian int32 dimension sizes, then the data. Gzip is detected from the content (1F 8B), not the name.
/// </summary>
public sealed class IdxFile
{
    IdxFile(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Dimension sizes, outermost first (e.g. [60000, 28, 28]).</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>All values, row-major.</summary>
    public byte[] Data { get; }

    /// <summary>
    /// Reads an unsigned-byte IDX file with <paramref name="rank"/> dimensions. Throws
    /// <see cref="InvalidDataException"/> naming the file when the magic number, rank or length is wrong.
    /// </summary>
    public static IdxFile Read(string path, int rank)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = File.OpenRead(path);
        Span<byte> sniff = stackalloc byte[2];
        bool gzip = file.Read(sniff) == 2 && sniff[0] == 0x1F && sniff[1] == 0x8B;
        file.Position = 0;
        using Stream s = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            var head = new byte[4 + 4 * rank];
            int got = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (got < 4) throw new InvalidDataException($"'{path}' is too short to be an IDX file ({got} bytes).");
            int expectedMagic = 0x0800 | rank;
            int magic = BinaryPrimitives.ReadInt32BigEndian(head);
            if (magic != expectedMagic)
                throw new InvalidDataException(
                    $"'{path}' is not an unsigned-byte IDX file of rank {rank}: magic number 0x{magic:X8}, expected 0x{expectedMagic:X8}.");
            if (got < head.Length) throw new InvalidDataException($"'{path}' is truncated inside its IDX header.");
            var dims = new int[rank];
            long length = 1;
            for (int i = 0; i < rank; i++)
            {
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4 + 4 * i));
                if (dims[i] < 0) throw new InvalidDataException($"'{path}' has a negative dimension size {dims[i]}.");
                length *= dims[i];
                if (length > Array.MaxLength) throw new InvalidDataException($"'{path}' announces more data than fits in memory.");
            }
            var data = new byte[length];
            int read = s.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (read < data.Length)
                throw new InvalidDataException(
                    $"'{path}' is truncated: its header announces [{string.Join(", ", dims)}] = {length} bytes of data, but only {read} follow.");
            if (s.ReadByte() >= 0)
                throw new InvalidDataException($"'{path}' has data beyond the [{string.Join(", ", dims)}] its header announces.");
            return new IdxFile(path, dims, data);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip stream: {e.Message}", e);
        }
    }
}
