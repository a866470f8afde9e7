using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Tests;

/// <summary>Small inputs several test classes write: a folder of flat-colour images and an untrained N-N/8 tokenizer.</summary>
static class TestFiles
{
    /// <summary>A folder <paramref name="name"/> under <paramref name="parent"/> of <paramref name="count"/> images img000.png... of
    /// <paramref name="size"/> x <paramref name="size"/> (16 unless given), each a different flat colour with a white diagonal.</summary>
    public static string Images(string parent, string name, int count, int size = 16)
    {
        string folder = Path.Combine(parent, name);
        Directory.CreateDirectory(folder);
        for (int i = 0; i < count; i++)
        {
            using var image = new Image<Rgb24>(size, size, new Rgb24((byte)(i * 37 % 256), (byte)(i * 91 % 256), (byte)(255 - i * 53 % 256)));
            for (int y = size / 4; y < size * 3 / 4; y++) image[y, y] = new Rgb24(255, 255, 255);
            image.SaveAsPng(Path.Combine(folder, $"img{i:D3}.png"));
        }
        return folder;
    }

    /// <summary>An untrained N-N/8 tokenizer (4 channels, 16 px, seed 1) written to PARENT/t.safetensors.</summary>
    public static string Tokenizer(string parent)
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.random.manual_seed(1);
        string model = Path.Combine(parent, "t.safetensors");
        using (var m = new ViTokAutoEncoder(ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16))) TokenizerFile.Save(m, model);
        return model;
    }
}
