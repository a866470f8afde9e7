using TorchSharp;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Tokenizer;

[TestClass]
public sealed class TokenPositionsTests
{
    [TestMethod]
    public void Rope_angles_are_kept_per_grid_until_the_module_is_disposed_and_equal_freshly_computed_ones()
    {
        TorchRuntime.EnsureLoaded();
        var config = ViTokConfig.FromVariant("T-T/8", channels: 4, imageSize: 32);
        var positions = new TokenPositions(config, config.Encoder);
        var grid = config.Grid;
        RopeAngles first, again, other;
        using (NewDisposeScope())
        {
            first = positions.Rope(grid, CPU)!;
            again = positions.Rope(grid, CPU)!;
        }
        Assert.AreSame(first, again, "the same grid and device: the kept angles");
        Assert.IsFalse(first.Rotation.IsInvalid, "a caller's dispose scope must not dispose the kept angles");
        using var gridPositions = PositionAngles.GridPositions(grid.T, grid.H, grid.W);
        var fresh = RotaryEmbedding.Create(gridPositions, config.Encoder.HeadDim, config.RopeTheta);
        Assert.IsTrue(first.Rotation.eq(fresh.Rotation).all().item<bool>());
        var larger = new TokenGrid(grid.T, grid.H * 2, grid.W);
        other = positions.Rope(larger, CPU)!;
        Assert.AreEqual(larger.Count, other.Rotation.shape[0], "another grid: angles for its tokens");
        Assert.IsFalse(first.Rotation.IsInvalid, "another grid does not release the first grid's angles (another thread may hold them)");
        Assert.AreSame(first, positions.Rope(grid, CPU), "both grids are kept");
        positions.Dispose();
        Assert.IsTrue(first.Rotation.IsInvalid && other.Rotation.IsInvalid, "disposing the module releases every kept angle");
        fresh.Rotation.Dispose();
    }
}
