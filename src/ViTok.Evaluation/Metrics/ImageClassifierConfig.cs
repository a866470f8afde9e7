using System.Text.Json;

namespace ViTok.Models.Metrics;

/// <summary>
/// Everything that defines an <see cref="ImageClassifier"/>: the square input side it was trained at, the channels of
/// its stages and the class names (index = label). Saved as JSON in the model file, so a file alone rebuilds its model.
/// </summary>
public sealed record ImageClassifierConfig
{
    /// <summary>Height and width the classifier works at; other sizes are resized bilinearly to it (default 32).</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>The default stages: 32, 64, 128 and 128 channels (at 32, 16, 8 and 4 pixels for a 32x32 input).</summary>
    public static IReadOnlyList<int> DefaultWidths { get; } = [32, 64, 128, 128];

    /// <summary>Output channels of each stage (one 3x3 convolution each; a 2x2 max-pool between stages).</summary>
    public IReadOnlyList<int> Widths { get; init; } = DefaultWidths;

    /// <summary>The class names, in label order (at least 2).</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Number of classes.</summary>
    public int Classes => ClassNames.Count;

    /// <summary>Size of <see cref="ImageClassifier.Features"/>: the channels of the last stage.</summary>
    public int FeatureSize => Widths[^1];

    /// <summary>Throws <see cref="ArgumentException"/> naming the value at fault.</summary>
    public void Validate()
    {
        Require(ImageSize >= 4, $"image size {ImageSize} must be at least 4");
        Require(Widths is { Count: >= 1 }, "there must be at least one stage");
        Require(Widths!.All(w => w >= 1), $"stage widths [{string.Join(", ", Widths!)}] must all be at least 1");
        Require(ImageSize >> (Widths!.Count - 1) >= 1, $"image size {ImageSize} is too small for {Widths!.Count} stages (each after the first halves it)");
        Require(ClassNames is { Count: >= 2 }, $"{ClassNames?.Count ?? 0} class name(s) given; a classifier needs at least 2");
        Require(ClassNames!.All(n => !string.IsNullOrWhiteSpace(n)), "a class name is empty");
        var duplicate = ClassNames!.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        Require(duplicate is null, $"class name '{duplicate?.Key}' appears twice");
    }

    static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException("Invalid image classifier configuration: " + message + ".");
    }

    public bool Equals(ImageClassifierConfig? other) =>
        other is not null && ImageSize == other.ImageSize && Widths.SequenceEqual(other.Widths)
        && ClassNames.SequenceEqual(other.ClassNames, StringComparer.Ordinal);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ImageSize);
        foreach (int width in Widths) hash.Add(width);
        foreach (string name in ClassNames) hash.Add(name, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public string ToJson() => JsonSerializer.Serialize(new ConfigDto(ImageSize, [.. Widths], [.. ClassNames]));

    /// <summary>Parses what <see cref="ToJson"/> wrote; bad values raise <see cref="ArgumentException"/>.</summary>
    public static ImageClassifierConfig FromJson(string json)
    {
        ConfigDto dto;
        try { dto = JsonSerializer.Deserialize<ConfigDto>(json) ?? throw new ArgumentException("Image classifier configuration is empty."); }
        catch (JsonException e) { throw new ArgumentException($"Image classifier configuration is not valid JSON: {e.Message}", e); }
        var config = new ImageClassifierConfig
        {
            ImageSize = dto.ImageSize, Widths = dto.Widths ?? [], ClassNames = dto.ClassNames ?? [],
        };
        config.Validate();
        return config;
    }

    sealed record ConfigDto(int ImageSize, int[]? Widths, string[]? ClassNames);
}
