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

    /// <summary>A smooth image with some texture in [-1, 1]: what JPEG compresses well at its best qualities.</summary>
    static Tensor Photo(int size, int seed)
    {
        manual_seed(seed);
        var y = linspace(-1, 1, size).view(1, size, 1);
        var x = linspace(-1, 1, size).view(1, 1, size);
        using Scalar tenth = 0.1.ToScalar(), half = 0.5.ToScalar(), low = (-1.0).ToScalar(), high = 1.0.ToScalar();
        var channels = cat([(x * y), x.expand(1, size, size), y.expand(1, size, size)], 0);
        return (channels * half + randn(3, size, size) * tenth).clamp(low, high);
    }

    [TestMethod]
    [DataRow(JpegBudget.WholeFile)]
    [DataRow(JpegBudget.ScanData)]
    public void Jpeg_takes_the_best_quality_within_the_budget_and_more_bytes_reconstruct_better(JpegBudget budget)
    {
        using var scope = NewDisposeScope();
        var image = Photo(64, 1);
        var small = JpegBaseline.Reconstruct(image, 900, budget);
        var large = JpegBaseline.Reconstruct(image, 3000, budget);
        Assert.IsLessThanOrEqualTo(900, small.Bytes);
        Assert.IsLessThanOrEqualTo(3000, large.Bytes);
        Assert.IsGreaterThan(small.Quality, large.Quality);
        Assert.IsGreaterThan(Psnr.Mean(image.unsqueeze(0), small.Image.unsqueeze(0)), Psnr.Mean(image.unsqueeze(0), large.Image.unsqueeze(0)));
        CollectionAssert.AreEqual(new long[] { 3, 64, 64 }, small.Image.shape);
    }

    [TestMethod]
    public void Scan_data_is_the_file_without_its_headers_and_end_marker()
    {
        using var scope = NewDisposeScope();
        var result = JpegBaseline.Reconstruct(Photo(32, 2), 100000, JpegBudget.WholeFile);
        Assert.AreEqual(100, result.Quality);
        var file = new byte[] { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02, 0xAA, 0xBB, 0xCC, 0xFF, 0xD9 };
        Assert.AreEqual(3, JpegBaseline.Counted(file, JpegBudget.ScanData));
        Assert.AreEqual(file.Length, JpegBaseline.Counted(file, JpegBudget.WholeFile));
    }

    [TestMethod]
    public void A_bicubic_thumbnail_stays_in_the_images_range()
    {
        using var scope = NewDisposeScope();
        var images = stack([Photo(32, 3), Photo(32, 4)]);
        var bicubic = ThumbnailBaseline.Reconstruct(images, 3 * 8 * 8, bicubic: true);
        Assert.IsGreaterThanOrEqualTo(images.min().item<float>(), bicubic.min().item<float>());
        Assert.IsLessThanOrEqualTo(images.max().item<float>(), bicubic.max().item<float>());
        Assert.IsGreaterThan(10.0, Psnr.Mean(images, bicubic));
    }
}
