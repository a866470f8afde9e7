namespace ViTok.MLNet;

/// <summary>
/// The pretrained models of the ViTok.Models.Pretrained package. Referencing the package (or, in this repository, the
/// project) copies them into <c>models/</c> next to the program; <see cref="Path"/> returns a model's full path there.
/// How each model was trained and measured: models/README.md in the repository.
/// </summary>
public static class ViTokModels
{
    /// <summary>Fashion-MNIST tokenizer: T-T/8, 32x32 grey-as-RGB images, 16 tokens x 8 channels.</summary>
    public const string FashionMnistTokenizer = "vitok-fmnist-t8-c8.safetensors";

    /// <summary>Photo tokenizer: T-T/16, 64x64 RGB images, 16 tokens x 32 channels.</summary>
    public const string PhotoTokenizer = "vitok-photos-t8-c8.safetensors";

    /// <summary>Class-conditional DiT-T generator of <see cref="FashionMnistTokenizer"/> latents, trained with DDPM.</summary>
    public const string FashionMnistDdpmGenerator = "vitok-fmnist-dit-t-ddpm.safetensors";

    /// <summary>Class-conditional DiT-T generator of <see cref="FashionMnistTokenizer"/> latents, trained with flow matching.</summary>
    public const string FashionMnistFlowGenerator = "vitok-fmnist-dit-t-flow.safetensors";

    /// <summary>Fashion-MNIST image classifier (32x32) used to measure generated images.</summary>
    public const string FashionMnistClassifier = "fmnist-classifier.safetensors";

    /// <summary>Video tokenizer of synthetic sprite clips: w192d2-w192d2/2x8, 8 frames of 32x32, 64 tokens x 8 channels.</summary>
    public const string SpritesVideoTokenizer = "vitok-sprites-video-w192d2-2x8-c8.safetensors";

    /// <summary>Class-conditional DiT-T generator of <see cref="SpritesVideoTokenizer"/> latents (8 sprite classes), trained with flow matching.</summary>
    public const string SpritesVideoFlowGenerator = "vitok-sprites-video-dit-t-flow.safetensors";

    /// <summary>Classifier of single 32x32 sprite frames, used to measure generated clips (probabilities averaged over frames).</summary>
    public const string SpritesFrameClassifier = "sprites-frame-classifier.safetensors";

    /// <summary>Every shipped model's file name.</summary>
    public static IReadOnlyList<string> All { get; } =
        [FashionMnistTokenizer, PhotoTokenizer, FashionMnistDdpmGenerator, FashionMnistFlowGenerator, FashionMnistClassifier,
         SpritesVideoTokenizer, SpritesVideoFlowGenerator, SpritesFrameClassifier];

    /// <summary>The folder the build copies the models to: <c>models/</c> under the program's base directory.</summary>
    public static string Directory => System.IO.Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>The full path of the shipped model <paramref name="name"/> (one of the constants of this class).</summary>
    /// <exception cref="ArgumentException">The name is not a shipped model's file name.</exception>
    /// <exception cref="FileNotFoundException">The file is not where the build puts it (the package is not referenced by the program's project).</exception>
    public static string Path(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!All.Contains(name))
            throw new ArgumentException($"'{name}' is not a shipped ViTok model; the shipped models are {string.Join(", ", All)}.", nameof(name));
        string path = System.IO.Path.Combine(Directory, name);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The shipped model '{path}' does not exist. The build copies the models to models/ next to the program when the program's project references the ViTok.Models.Pretrained package.",
                path);
        return path;
    }
}
