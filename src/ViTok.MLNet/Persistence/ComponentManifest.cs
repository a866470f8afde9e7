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
    public string? SeedColumn { get; init; }
    public string? Sampler { get; init; }
    public int Steps { get; init; }
    public double GuidanceScale { get; init; } = 1.0;
    /// <summary>Generate: the guidance interval (pipelines saved before it existed load with the whole range).</summary>
    public double GuidanceFrom { get; init; } = SamplingOptions.Defaults.GuidanceFrom;
    /// <inheritdoc cref="GuidanceFrom"/>
    public double GuidanceTo { get; init; } = SamplingOptions.Defaults.GuidanceTo;
    public double Eta { get; init; }
    /// <summary>"vitok-v2" for a ViTok-v2 checkpoint half; null for a ViTok tokenizer file.</summary>
    public string? Format { get; init; }
    /// <summary>ViTok-v2 tokenize: the token budget of native-size mode.</summary>
    public int MaxTokens { get; init; }
    /// <summary>ViTok-v2 tokenize: the image size of fixed-size mode; 0 x 0 in native-size mode.</summary>
    public int ImageHeight { get; init; }
    /// <inheritdoc cref="ImageHeight"/>
    public int ImageWidth { get; init; }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ComponentManifest FromJson(string json, string where)
    {
        try { return JsonSerializer.Deserialize<ComponentManifest>(json, Json) ?? throw new InvalidDataException($"{where} is empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{where} is not a valid ViTok component manifest: {e.Message}", e); }
    }
}
