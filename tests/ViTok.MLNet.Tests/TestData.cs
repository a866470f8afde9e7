using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet.Tests;

/// <summary>A row of an image table: file name and class.</summary>
public sealed class ImageRow
{
    public string Path { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>Tiny data for the ML.NET tests, made on the spot in a temporary folder.</summary>
sealed class TestData : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("vitok-mlnet-").FullName;
    public string TokenizerPath { get; }
    public ViTokConfig Config { get; } = ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 32);
    public List<ImageRow> Rows { get; } = [];

    static readonly (string Name, Rgb24 Color)[] Classes = [("red", new Rgb24(220, 40, 40)), ("green", new Rgb24(40, 200, 60)), ("blue", new Rgb24(40, 60, 220))];

    /// <param name="perClass">Images per class (3 classes: mostly red, green or blue, with noise and a bright square).</param>
    public TestData(int perClass = 8, int imageSize = 40)
    {
        TorchRuntime.EnsureLoaded();
        torch.random.manual_seed(11);
        TokenizerPath = System.IO.Path.Combine(Folder, "tiny.safetensors");
        using (var model = new ViTokAutoEncoder(Config)) TokenizerFile.Save(model, TokenizerPath);
        var rng = new Random(5);
        foreach (var (name, color) in Classes)
            for (int i = 0; i < perClass; i++)
            {
                using var image = new Image<Rgb24>(imageSize, imageSize);
                int sx = rng.Next(imageSize / 2), sy = rng.Next(imageSize / 2);
                for (int y = 0; y < imageSize; y++)
                    for (int x = 0; x < imageSize; x++)
                    {
                        bool square = x >= sx && x < sx + 8 && y >= sy && y < sy + 8;
                        int n = rng.Next(-30, 31);
                        image[x, y] = square ? new Rgb24(250, 250, 250)
                            : new Rgb24(Clamp(color.R + n), Clamp(color.G + n), Clamp(color.B + n));
                    }
                string file = $"{name}-{i}.png";
                image.SaveAsPng(System.IO.Path.Combine(Folder, file));
                Rows.Add(new ImageRow { Path = file, Label = name });
            }
    }

    static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
