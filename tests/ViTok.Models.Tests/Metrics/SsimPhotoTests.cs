using System.Text.Json;
using ViTok.Models.Clips;
using ViTok.Models.Metrics;
using ViTok.Models.Runtime;

namespace ViTok.Models.Tests.Metrics;

/// <summary>
/// SSIM and PSNR on three real 96x96 photographs and distorted copies against scikit-image 0.19.3
/// (structural_similarity with gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255;
/// expected.json holds the values and the exact call). Synthetic patterns agreed before while real photos did not.
/// </summary>
[TestClass]
public sealed class SsimPhotoTests
{
    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    [TestMethod]
    public void Ssim_and_psnr_match_scikit_image_on_real_photographs()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "SsimPhotos");
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
        foreach (var image in expected.RootElement.GetProperty("images").EnumerateArray())
        {
            string file = image.GetProperty("file").GetString()!;
            using var reference = ImageFiles.Load(Path.Combine(dir, "ref", file)).unsqueeze(0);
            using var candidate = ImageFiles.Load(Path.Combine(dir, "cand", file)).unsqueeze(0);
            Assert.AreEqual(image.GetProperty("ssim").GetDouble(), Ssim.PerItem(reference, candidate)[0], 1e-4, $"SSIM of {file}: ours {Ssim.PerItem(reference, candidate)[0]}");
            Assert.AreEqual(image.GetProperty("psnr").GetDouble(), Psnr.PerItem(reference, candidate)[0], 1e-4, $"PSNR of {file}");
        }
    }
}
