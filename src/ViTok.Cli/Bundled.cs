namespace ViTok.Cli;

/// <summary>Files that travel with the `vitok` program (copied next to it by the build): shipped models (tokenizers, the Fashion-MNIST classifier) and samples.</summary>
static class Bundled
{
    /// <summary>
    /// The folder of vitok's own assembly (not the host's: a notebook kernel that references vitok.dll runs from its
    /// own folder); the application folder when the assembly has no file (single-file publishing).
    /// </summary>
    public static string Root { get; } = Path.GetDirectoryName(typeof(Bundled).Assembly.Location) is { Length: > 0 } folder ? folder : AppContext.BaseDirectory;

    public static string FashionMnistTokenizer => Path.Combine(Root, "models", "vitok-fmnist-t8-c8.safetensors");
    public static string FashionMnistGenerator => Path.Combine(Root, "models", "vitok-fmnist-dit-t-ddpm.safetensors");
    public static string PhotoTokenizer => Path.Combine(Root, "models", "vitok-photos-t8-c8.safetensors");
    public static string FashionMnistClassifier => Path.Combine(Root, "models", "fmnist-classifier.safetensors");
    public static string SpritesVideoTokenizer => Path.Combine(Root, "models", "vitok-sprites-video-w192d2-2x8-c8.safetensors");
    public static string SpritesVideoGenerator => Path.Combine(Root, "models", "vitok-sprites-video-dit-t-flow.safetensors");
    public static string SamplePhotos => Path.Combine(Root, "samples", "photos");
    public static string SampleFashionMnist => Path.Combine(Root, "samples", "fashion-mnist");

    /// <summary>Throws naming the file when a bundled file is missing (a broken build or install).</summary>
    public static string Require(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"Bundled file '{path}' is missing; rebuild the project (models/ and samples/ are copied next to vitok).", path);
        return path;
    }
}
