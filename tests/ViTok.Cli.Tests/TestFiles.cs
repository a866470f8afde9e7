using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Tests;

/// <summary>Small inputs several test classes write: a folder of flat-colour images and an untrained N-N/8 tokenizer.</summary>
static class TestFiles
{
    /// <summary>A folder <paramref name="name"/> under <paramref name="parent"/> of <paramref name="count"/> 16x16 images img000.png..., each a different flat colour.</summary>
    public static string Images(string parent, string name, int count)
    {
        string folder = Path.Combine(parent, name);
        Directory.CreateDirectory(folder);
        for (int i = 0; i < count; i++)
        {
            using var image = new Image<Rgb24>(16, 16, new Rgb24((byte)(i * 37 % 256), (byte)(i * 91 % 256), (byte)(255 - i * 53 % 256)));
            for (int y = 4; y < 12; y++) image[y, y] = new Rgb24(255, 255, 255);
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
