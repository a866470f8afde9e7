using ViTok.Models.TokenizerV2;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>Which half of a tokenizer a host runs (a ViTok-v2 checkpoint publishes them as two files).</summary>
public enum TokenizerHalf
{
    Encoder,
    Decoder,
}

/// <summary>
/// The exact bytes a tokenizer is loaded from (what a saved pipeline stores), its weight format, and the name that
/// errors give it.
/// </summary>
/// <param name="DeclaredVariant">The variant a ViTok-v2 folder's config.json declares (checked against the shapes), or null.</param>
public sealed record TokenizerSource(byte[] Bytes, string Name, string Format, string? DeclaredVariant = null);

/// <summary>
/// Opens any tokenizer as the one contract <see cref="IImageTokenizer"/>: a ViTok tokenizer file (.safetensors, both
/// halves) or a ViTok-v2 checkpoint folder (encoder.safetensors and/or decoder.safetensors). The only place that
/// tells the families apart; everything above it (ML.NET components, CLI verbs) works with the contract.
/// </summary>
public static class TokenizerFiles
{
    /// <summary>The format names a host records beside the bytes (a saved pipeline's manifest).</summary>
    public const string ViTokFormat = "vitok", ViTokV2Format = "vitok-v2";

    /// <summary>Whether <paramref name="path"/> is a ViTok-v2 checkpoint folder rather than a tokenizer file.</summary>
    public static bool IsFolder(string path) => ViTokV2Checkpoint.IsCheckpointFolder(path);

    /// <summary>The bytes of the tokenizer at <paramref name="path"/> that <paramref name="half"/> needs (a ViTok file holds both).</summary>
    public static TokenizerSource Read(string path, TokenizerHalf half)
    {
        if (!IsFolder(path))
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
            return new TokenizerSource(File.ReadAllBytes(path), path, ViTokFormat);
        }
        string file = Path.Combine(path, half == TokenizerHalf.Encoder ? ViTokV2Checkpoint.EncoderFile : ViTokV2Checkpoint.DecoderFile);
        if (!File.Exists(file))
            throw new FileNotFoundException($"ViTok-v2 checkpoint folder '{path}' has no {Path.GetFileName(file)} (expected {ViTokV2Checkpoint.EncoderFile} and/or {ViTokV2Checkpoint.DecoderFile}, as published).", file);
        return new TokenizerSource(File.ReadAllBytes(file), file, ViTokV2Format, ViTokV2Checkpoint.DeclaredVariant(path));
    }

    /// <summary>The bytes of an in-memory ViTok tokenizer, as its file would hold them.</summary>
    public static TokenizerSource FromModel(ViTokAutoEncoder model) => new(TokenizerFile.ToBytes(model), "the in-memory tokenizer", ViTokFormat);

    /// <summary>The shape of the tokenizer at <paramref name="path"/> (the half <paramref name="half"/> needs), from file headers only.</summary>
    public static TokenizerShape ReadShape(string path, TokenizerHalf half) =>
        ReadShape(path, encoder: half == TokenizerHalf.Encoder, decoder: half == TokenizerHalf.Decoder);

    /// <summary>The shape of the tokenizer at <paramref name="path"/> with every half it has (the whole checkpoint's variant).</summary>
    public static TokenizerShape ReadShape(string path) => IsFolder(path)
        ? ReadShape(path, File.Exists(Path.Combine(path, ViTokV2Checkpoint.EncoderFile)), File.Exists(Path.Combine(path, ViTokV2Checkpoint.DecoderFile)))
        : ReadShape(path, true, true);

    /// <summary>The shape of the tokenizer at <paramref name="path"/> with the halves asked for (a ViTok-v2 folder must
    /// hold their files; with both, the variant is the whole checkpoint's), from file headers only.</summary>
    public static TokenizerShape ReadShape(string path, bool encoder, bool decoder) => IsFolder(path)
        ? TokenizerShape.Of(ViTokV2Checkpoint.ReadConfig(path, encoder, decoder))
        : TokenizerShape.Of(TokenizerFile.ReadConfig(path));

    /// <summary>
    /// The tokenizer at <paramref name="path"/> with the halves asked for (a ViTok file always has both; a ViTok-v2
    /// folder loads only the files asked for), on <paramref name="device"/> in <paramref name="dtype"/>.
    /// </summary>
    public static IImageTokenizer Open(string path, bool encoder, bool decoder, Device device, ScalarType dtype)
    {
        if (!IsFolder(path))
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
            return Load(new TokenizerSource(File.ReadAllBytes(path), path, ViTokFormat), TokenizerHalf.Encoder, device, dtype);
        }
        var model = ViTokV2Checkpoint.Load(path, encoder, decoder);
        try { return new ViTokV2Inference(model, device, dtype); }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Builds the tokenizer <paramref name="source"/> holds, on <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    public static IImageTokenizer Load(TokenizerSource source, TokenizerHalf half, Device device, ScalarType dtype)
    {
        var file = SafeTensorsFile.FromBytes(source.Bytes, source.Name);
        switch (source.Format)
        {
            case ViTokFormat:
            {
                var model = TokenizerFile.Load(file);
                try { return new TokenizerInference(model, device, dtype); }
                catch
                {
                    model.Dispose();
                    throw;
                }
            }
            case ViTokV2Format:
            {
                var model = half == TokenizerHalf.Encoder
                    ? ViTokV2Checkpoint.Load(file, null, null, source.DeclaredVariant)
                    : ViTokV2Checkpoint.Load(null, file, null, source.DeclaredVariant);
                try { return new ViTokV2Inference(model, device, dtype); }
                catch
                {
                    model.Dispose();
                    throw;
                }
            }
            default:
                throw new InvalidDataException($"'{source.Name}': tokenizer format '{source.Format}' is not known (this build reads {ViTokFormat} and {ViTokV2Format}).");
        }
    }
}
