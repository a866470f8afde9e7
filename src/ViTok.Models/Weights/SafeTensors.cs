using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Weights;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafeTensorEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

/// <summary>
/// The safetensors format (8-byte little-endian header length, JSON header, raw little-endian data), read and
/// written here directly, from and to a file or memory. Reading validates the whole header against the data before
/// any of it is used: a truncated file, offsets outside the data, overlapping or gapped spans, a dtype we do not
/// know, or a shape that does not match its byte span each raise <see cref="InvalidDataException"/> naming the
/// tensor or offset. A file opened with <see cref="Open"/> reads only its header until a tensor is asked for; one
/// given as bytes (<see cref="FromBytes"/>) is read from those bytes, never through a temporary file.
/// <para>
/// Integrity: every file written here carries in its metadata <see cref="ChecksumKey"/>, the SHA-256 of the whole file
/// (length prefix, header, data) with the checksum's own 64 hex digits read as zeros. Reading verifies it after the
/// structural checks, so a flipped data byte or an edited header value (heads, image size...) is refused as
/// "checksum mismatch: the file was changed after it was written". Files without one (written before checksums, or
/// by other tools) still open, with a note once per file and process (<see cref="WeightNotes"/>).
/// </para>
/// </summary>
public sealed class SafeTensorsFile
{
    const long MaxHeaderBytes = 100 << 20;
    static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F32"] = (ScalarType.Float32, 4), ["F16"] = (ScalarType.Float16, 2), ["BF16"] = (ScalarType.BFloat16, 2),
        ["F64"] = (ScalarType.Float64, 8), ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2), ["I8"] = (ScalarType.Int8, 1), ["U8"] = (ScalarType.Byte, 1), ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>The metadata key of the file's SHA-256 (64 lower-case hex digits).</summary>
    public const string ChecksumKey = "vitok.sha256";
    const int ChecksumDigits = 64;

    static readonly HashSet<string> Noted = [];

    /// <summary>The file's path, or for bytes the name they were given (what error messages say).</summary>
    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyDictionary<string, SafeTensorEntry> Entries { get; }
    readonly long _dataStart;
    readonly byte[]? _bytes;   // the whole file when it was given as bytes; null: read tensors from Path

    SafeTensorsFile(string path, byte[]? bytes, Dictionary<string, string> metadata, Dictionary<string, SafeTensorEntry> entries, long dataStart)
    {
        Path = path;
        _bytes = bytes;
        Metadata = metadata;
        Entries = entries;
        _dataStart = dataStart;
    }

    public static int ElementSize(ScalarType type) => DTypes.Values.First(d => d.Type == type).Size;

    static string Name(ScalarType type) =>
        DTypes.FirstOrDefault(d => d.Value.Type == type).Key ?? throw new NotSupportedException($"dtype {type} cannot be stored in safetensors here.");

    /// <summary>Reads and validates the header of <paramref name="path"/>; tensors are read from the file when asked for.</summary>
    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Weights file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Parse(stream, path, null);
    }

    /// <summary>
    /// Validates the header of a whole safetensors file held in <paramref name="bytes"/> (kept, not copied: do not change
    /// them while this object is in use); tensors are read from them. <paramref name="name"/> names the bytes in errors.
    /// </summary>
    public static SafeTensorsFile FromBytes(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new MemoryStream(bytes, writable: false);
        return Parse(stream, name, bytes);
    }

    static SafeTensorsFile Parse(Stream stream, string path, byte[]? bytes)
    {
        long fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (fileLength < 8 || stream.Read(prefix) != 8)
            throw Bad(path, $"the file is {fileLength} bytes, too short to hold the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw Bad(path, $"the header claims {headerLength} bytes but the file has {fileLength - 8} after offset 8");
        var header = new byte[headerLength];
        stream.ReadExactly(header);

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw Bad(path, $"the header at offset 8 is not valid JSON ({e.Message})"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "the header is not a JSON object");

        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;
        var metadata = new Dictionary<string, string>();
        var entries = new Dictionary<string, SafeTensorEntry>();
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (property.Value.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
                foreach (var m in property.Value.EnumerateObject())
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw Bad(path, $"metadata '{m.Name}' is not a string");
                continue;
            }
            entries[property.Name] = ParseEntry(path, property, dataLength);
        }

        // Spans must tile the data exactly: no overlap, no gap, nothing past the end.
        long expected = 0;
        foreach (var entry in entries.Values.OrderBy(e => e.Begin))
        {
            if (entry.Begin != expected)
                throw Bad(path, $"tensor '{entry.Name}' starts at data offset {entry.Begin}, expected {expected} (overlapping or gapped spans)");
            expected = entry.End;
        }
        if (expected != dataLength)
            throw Bad(path, $"the tensors cover {expected} data bytes but the file holds {dataLength} (truncated or padded file)");
        if (metadata.TryGetValue(ChecksumKey, out string? stored)) VerifyChecksum(path, stream, prefix, header, stored);
        else NoteUnchecked(path);
        return new SafeTensorsFile(path, bytes, metadata, entries, dataStart);
    }
    /// <summary>Hashes the file with the stored checksum's digits read as zeros and compares; the stream stands after the header.</summary>
    static void VerifyChecksum(string path, Stream stream, ReadOnlySpan<byte> prefix, byte[] header, string stored)
    {
        byte[] field = Encoding.UTF8.GetBytes($"\"{ChecksumKey}\":\"{stored}\"");
        int at = header.AsSpan().IndexOf(field);
        if (stored.Length != ChecksumDigits || at < 0 || header.AsSpan(at + 1).IndexOf(field) >= 0)
            throw Changed(path, $"the checksum field '{ChecksumKey}' is not the one this library writes");
        var zeroed = (byte[])header.Clone();
        zeroed.AsSpan(at + field.Length - 1 - ChecksumDigits, ChecksumDigits).Fill((byte)'0');
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(prefix);
        hash.AppendData(zeroed);
        var buffer = new byte[1 << 20];
        for (int n; (n = stream.Read(buffer)) > 0;) hash.AppendData(buffer, 0, n);
        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (!string.Equals(actual, stored, StringComparison.OrdinalIgnoreCase))
            throw Changed(path, $"its SHA-256 is {actual}, the header says {stored}");
    }

    static InvalidDataException Changed(string path, string detail) =>
        new($"Weights file '{path}': checksum mismatch: the file was changed after it was written ({detail}).");

    static void NoteUnchecked(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        lock (Noted)
            if (!Noted.Add(full)) return;
        WeightNotes.Tell($"note: weights file '{path}' has no checksum (written before checksums or by another tool); its integrity is not verified (`vitok checksum` adds one).");
    }


    static SafeTensorEntry ParseEntry(string path, JsonProperty property, long dataLength)
    {
        string name = property.Name;
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{name}' lacks dtype, shape or data_offsets");
        string dtypeName = dtypeEl.GetString()!;
        if (!DTypes.TryGetValue(dtypeName, out var dtype)) throw Bad(path, $"tensor '{name}' has unsupported dtype '{dtypeName}'");
        var shape = new long[shapeEl.GetArrayLength()];
        int i = 0;
        long count = 1;
        foreach (var s in shapeEl.EnumerateArray())
        {
            if (!s.TryGetInt64(out long dim) || dim < 0) throw Bad(path, $"tensor '{name}' has an invalid dimension {s}");
            shape[i++] = dim;
            try { count = checked(count * dim); }
            catch (OverflowException) { throw Bad(path, $"tensor '{name}' has a shape [{shapeEl}] whose element count does not fit in 64 bits"); }
        }
        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
            throw Bad(path, $"tensor '{name}' has data offsets [{offEl[0]}, {offEl[1]}] outside the {dataLength} data bytes (truncated file?)");
        long bytes;
        try { bytes = checked(count * dtype.Size); }
        catch (OverflowException) { throw Bad(path, $"tensor '{name}' of shape [{string.Join(", ", shape)}] {dtypeName} needs more bytes than 64 bits can count"); }
        if (bytes != end - begin)
            throw Bad(path, $"tensor '{name}' of shape [{string.Join(", ", shape)}] {dtypeName} needs {count * dtype.Size} bytes but its span holds {end - begin}");
        return new SafeTensorEntry(name, dtype.Type, shape, begin, end);
    }

    /// <summary>Reads one tensor onto the CPU.</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry)) throw new KeyNotFoundException($"Weights file '{Path}' has no tensor '{name}'.");
        var tensor = empty(entry.Shape, entry.DType);
        if (_bytes is not null)
        {
            tensor.bytes = _bytes.AsSpan(checked((int)(_dataStart + entry.Begin)), checked((int)(entry.End - entry.Begin)));
            return tensor;
        }
        var bytes = new byte[entry.End - entry.Begin];
        using (var stream = File.OpenRead(Path))
        {
            stream.Seek(_dataStart + entry.Begin, SeekOrigin.Begin);
            stream.ReadExactly(bytes);
        }
        tensor.bytes = bytes;
        return tensor;
    }

    /// <summary>
    /// Gives a file written before checksums (or by another tool) its checksum: the same tensors (same dtypes, same
    /// order) and metadata are written again, atomically, with <see cref="ChecksumKey"/> added. A file that has one is
    /// only verified. Returns whether a checksum was added. <paramref name="validate"/>, when given, sees the parsed file
    /// before anything is written (and a file that has a checksum too) and throws to refuse it.
    /// </summary>
    public static bool AddChecksum(string path, Action<SafeTensorsFile>? validate = null)
    {
        SafeTensorsFile file;
        lock (Noted)
        {
            bool quiet = Noted.Add(System.IO.Path.GetFullPath(path));   // this call is the answer to the note: do not print it
            try
            {
                file = Open(path);
                validate?.Invoke(file);
            }
            finally { if (quiet) Noted.Remove(System.IO.Path.GetFullPath(path)); }
        }
        if (file.Metadata.ContainsKey(ChecksumKey)) return false;
        using var scope = NewDisposeScope();
        var tensors = file.Entries.Values.OrderBy(e => e.Begin).Select(e => (e.Name, file.Read(e.Name))).ToList();
        Write(path, tensors, file.Metadata);
        return true;
    }

    /// <summary>
    /// Writes tensors and metadata atomically: a temporary file beside the target is written and flushed, then
    /// renamed over it, so a crash never leaves a half-written file under <paramref name="path"/>.
    /// With <paramref name="storeAs"/>, floating-point tensors are converted to that dtype one at a time as they are written.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        ScalarType? storeAs = null)
    {
        var list = tensors.ToList();
        string full = System.IO.Path.GetFullPath(path);
        string? dir = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string temp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Write(file, list, metadata, storeAs);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
    }

    /// <summary>The safetensors bytes of <paramref name="tensors"/> and <paramref name="metadata"/>, as a file written with them holds.</summary>
    public static byte[] ToBytes(IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var buffer = new MemoryStream();
        Write(buffer, tensors, metadata, storeAs: null);
        return buffer.ToArray();
    }

    /// <summary>
    /// Writes the safetensors form of <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="stream"/>
    /// (left open, positioned after the data). The stream must be seekable: the checksum is written into the header last.
    /// </summary>
    public static void Write(Stream stream, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        ScalarType? storeAs = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanWrite) throw new ArgumentException("The stream must be writable and seekable (the checksum is written into the header last).", nameof(stream));
        ScalarType Stored(Tensor t) => storeAs is { } s && t.is_floating_point() ? s : t.dtype;
        var list = tensors.ToList();
        var duplicate = list.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Tensor name '{duplicate.Key}' appears twice.");

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString(ChecksumKey, new string('0', ChecksumDigits));    // filled in once the data is written
            foreach (var (k, v) in metadata ?? new Dictionary<string, string>())
                if (k != ChecksumKey) json.WriteString(k, v);                 // a checksum copied from another file is stale
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, t) in list)
            {
                long size = t.numel() * ElementSize(Stored(t));
                json.WriteStartObject(name);
                json.WriteString("dtype", Name(Stored(t)));
                json.WriteStartArray("shape");
                foreach (long d in t.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces to a multiple of 8 bytes, as the reference writer does.
        long headerLength = (buffer.Length + 7) / 8 * 8;
        while (buffer.Length < headerLength) buffer.WriteByte((byte)' ');

        byte[] header = buffer.ToArray();
        int checksumAt = header.AsSpan().IndexOf(Encoding.UTF8.GetBytes($"\"{ChecksumKey}\":\"")) + ChecksumKey.Length + 4;

        long start = stream.Position;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerLength);
        stream.Write(prefix);
        stream.Write(header);
        hash.AppendData(prefix);
        hash.AppendData(header);
        foreach (var (_, t) in list)
        {
            using var tensorScope = NewDisposeScope();                    // frees each converted copy before the next
            var cpu = t.detach().cpu().to(Stored(t)).contiguous();
            var bytes = cpu.bytes;
            stream.Write(bytes);
            hash.AppendData(bytes);
        }
        long end = stream.Position;
        stream.Position = start + 8 + checksumAt;
        stream.Write(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(hash.GetHashAndReset())));
        stream.Position = end;
    }

    static InvalidDataException Bad(string path, string what) => new($"Weights file '{path}' is not valid safetensors: {what}.");
}
