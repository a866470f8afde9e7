using TorchSharp;
using ViTok.Models.Baselines;
using ViTok.Models.Metrics;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Baselines;

[TestClass]
public sealed class BaselineTests
{
    [TestMethod]
    [DataRow(128L, 6)]    // 3 * 6 * 6 = 108 <= 128 < 147
    [DataRow(512L, 13)]   // 507 <= 512 < 588
    [DataRow(3072L, 32)]
    [DataRow(3L, 1)]
    public void Thumbnail_side_is_the_largest_square_within_the_budget(long floats, int side)
    {
        Assert.AreEqual(side, ThumbnailBaseline.Side(floats));
    }

    [TestMethod]
    public void Thumbnail_budget_below_one_pixel_is_rejected_naming_it()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ThumbnailBaseline.Side(2));
        StringAssert.Contains(e.Message, "2 floats");
    }

    [TestMethod]
    public void Thumbnail_keeps_flat_images_and_loses_detail_in_proportion_to_the_budget()
    {
        using var scope = NewDisposeScope();
        var flat = full([2, 3, 16, 16], 0.25f);
        Assert.IsTrue(ThumbnailBaseline.Reconstruct(flat, 48).allclose(flat, 0, 1e-6));

        var generator = new Generator(3);
        var noisy = rand([4, 3, 16, 16], generator: generator) * 2 - 1;
        double small = Psnr.Mean(noisy, ThumbnailBaseline.Reconstruct(noisy, 3 * 4 * 4));
        double large = Psnr.Mean(noisy, ThumbnailBaseline.Reconstruct(noisy, 3 * 8 * 8));
        Assert.IsTrue(large > small, $"8x8 thumbnails ({large:F2} dB) should beat 4x4 ({small:F2} dB)");
        Assert.IsTrue(ThumbnailBaseline.Reconstruct(noisy, 3 * 16 * 16).allclose(noisy, 0, 1e-5), "a full-size budget is lossless");
    }

    [TestMethod]
    public void Pca_reconstructs_data_in_a_k_dimensional_subspace_exactly_and_orders_its_variance()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var basis = randn([3, 20], dtype: ScalarType.Float64, generator: generator);
        var codes = randn([50, 3], dtype: ScalarType.Float64, generator: generator);
        var items = (codes.matmul(basis) + 5).reshape(50, 4, 5);            // rank 3 around a mean of 5
        using var pca = PcaBaseline.Fit(items, 3);
        Assert.AreEqual(3, pca.Components);
        Assert.AreEqual(20L, pca.Dimension);
        Assert.AreEqual(1.0, pca.ExplainedVariance, 1e-9);
        var back = pca.Reconstruct(items);
        CollectionAssert.AreEqual(items.shape, back.shape);
        Assert.IsTrue(back.allclose(items, 1e-9, 1e-9));

        using var two = PcaBaseline.Fit(items, 2);
        Assert.IsTrue(two.ExplainedVariance is > 0.3 and < 1.0, $"two of three directions explain {two.ExplainedVariance}");
        double error2 = (two.Reconstruct(items) - items).square().mean().item<double>();
        Assert.IsTrue(error2 > 1e-3, "dropping a direction loses information");

        // Reconstructions stay within the fitted data's range: far-off items are clamped to it.
        var far = pca.Reconstruct(items * 100);
        Assert.IsTrue(far.max().item<double>() <= items.max().item<double>() + 1e-12);
        Assert.IsTrue(far.min().item<double>() >= items.min().item<double>() - 1e-12);
    }

    [TestMethod]
    public void Pca_rejects_more_components_than_items_and_items_of_another_size()
    {
        using var scope = NewDisposeScope();
        var items = randn([5, 8]);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PcaBaseline.Fit(items, 6));
        StringAssert.Contains(e.Message, "min(5, 8)");
        using var pca = PcaBaseline.Fit(items, 2);
        var wrong = Assert.ThrowsExactly<ArgumentException>(() => pca.Reconstruct(randn([2, 9])));
        StringAssert.Contains(wrong.Message, "9");
    }
}
