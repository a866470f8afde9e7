using System.Text.Json;
using System.Text.Json.Serialization;
using ViTok.Models.Generation;

namespace ViTok.MLNet.Persistence;

/// <summary>
/// What a saved ViTok component needs besides its weights: its kind and options. Stored as ViTok.json. The device is
/// not stored (files written before this read as before, their "Device" ignored): a pipeline runs on the device of
/// the MLContext that loads it, or the one given to LoadWithViTok, as ML.NET's own components do.
/// </summary>
sealed record ComponentManifest
{
    public const string TokenizeKind = "tokenize-images", DecodeKind = "decode-latents", GenerateKind = "generate-latents";

    /// <summary>
    /// The manifest format this build writes and the newest it reads. 1: every zip written before the field existed
    /// (read as the same layout); 2: the field added (2026-12-07). A zip of a newer format is refused, naming it.
    /// </summary>
    public const int CurrentFormat = 2;

    /// <summary>The manifest format (<see cref="CurrentFormat"/> when written; 1 when a zip written before the field has none).</summary>
    public int FormatVersion { get; init; } = CurrentFormat;

    public required string Kind { get; init; }
    public required string OutputColumn { get; init; }
    public required string InputColumn { get; init; }
    public int BatchSize { get; init; }
    public int Threads { get; init; }
    public string Precision { get; init; } = "Float32";
    public string Latent { get; init; } = "Mean";
    public long Seed { get; init; }
    public string Layout { get; init; } = "Tokens";
    public float PixelScale { get; init; }
    public float PixelOffset { get; init; }
    public string DecodeOutput { get; init; } = "Image";
    /// <summary>Decode: <see cref="DecodeLatentsOptions.ClampPixels"/> (absent, false, in zips written before it existed).</summary>
    public bool ClampPixels { get; init; }
    public string? SeedColumn { get; init; }
    public string? Sampler { get; init; }
    public int Steps { get; init; }
    public double GuidanceScale { get; init; } = 1.0;
    /// <summary>Generate: the guidance interval (pipelines saved before it existed load with the whole range).</summary>
    public double GuidanceFrom { get; init; } = SamplingOptions.Defaults.GuidanceFrom;
    /// <inheritdoc cref="GuidanceFrom"/>
    public double GuidanceTo { get; init; } = SamplingOptions.Defaults.GuidanceTo;
    public double Eta { get; init; }
    /// <summary>The tokenizer's weight format (<see cref="Models.Tokenizer.TokenizerFiles"/>: "vitok" or "vitok-v2");
    /// zips written before "vitok" was recorded leave it null for a ViTok tokenizer file.</summary>
    public string? Format { get; init; }
    /// <summary><see cref="Format"/>, with the null of older zips read as a ViTok tokenizer file.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public string WeightFormat => Format ?? Models.Tokenizer.TokenizerFiles.ViTokFormat;
    /// <summary>Native-resolution tokenize: the token budget of native-size mode.</summary>
    public int MaxTokens { get; init; }
    /// <summary>Native-resolution tokenize: the image size of fixed-size mode; 0 x 0 in native-size mode.</summary>
    public int ImageHeight { get; init; }
    /// <inheritdoc cref="ImageHeight"/>
    public int ImageWidth { get; init; }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ComponentManifest FromJson(string json, string where)
    {
        ComponentManifest manifest;
        try { manifest = JsonSerializer.Deserialize<ComponentManifest>(json, Json) ?? throw new InvalidDataException($"{where} is empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{where} is not a valid ViTok component manifest: {e.Message}", e); }
        if (!json.Contains($"\"{nameof(FormatVersion)}\"", StringComparison.Ordinal)) manifest = manifest with { FormatVersion = 1 };
        if (manifest.FormatVersion > CurrentFormat || manifest.FormatVersion < 1)
            throw new InvalidDataException($"{where} is in ViTok component format {manifest.FormatVersion}; this ViTok.MLNet " +
                $"({typeof(ComponentManifest).Assembly.GetName().Version}) reads formats 1 to {CurrentFormat}. Load it with the ViTok.MLNet version that saved it, or a newer one.");
        return manifest;
    }
}
