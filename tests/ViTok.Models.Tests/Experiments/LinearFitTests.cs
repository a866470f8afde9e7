using ViTok.Models.Experiments;

namespace ViTok.Models.Tests.Experiments;

[TestClass]
public sealed class LinearFitTests
{
    [TestMethod]
    public void An_exact_line_has_r_squared_one()
    {
        var fit = LinearFit.Of([1, 2, 3, 4], [3, 5, 7, 9]);
        Assert.AreEqual(2, fit.Slope, 1e-12);
        Assert.AreEqual(1, fit.Intercept, 1e-12);
        Assert.AreEqual(1, fit.RSquared, 1e-12);
        Assert.AreEqual(11, fit.At(5), 1e-12);
    }

    [TestMethod]
    public void Noisy_points_match_a_hand_computed_fit()
    {
        // x = 0..3, y = 1, 3, 2, 5: mean x 1.5, mean y 2.75; Sxy = 5.5, Sxx = 5 -> slope 1.1, intercept 1.1;
        // fitted 1.1, 2.2, 3.3, 4.4; SS_res = 0.01 + 0.64 + 1.69 + 0.36 = 2.7; SS_tot = 8.75; R^2 = 1 - 2.7 / 8.75.
        var fit = LinearFit.Of([0, 1, 2, 3], [1, 3, 2, 5]);
        Assert.AreEqual(1.1, fit.Slope, 1e-12);
        Assert.AreEqual(1.1, fit.Intercept, 1e-12);
        Assert.AreEqual(1 - 2.7 / 8.75, fit.RSquared, 1e-12);
    }

    [TestMethod]
    public void Degenerate_inputs_are_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => LinearFit.Of([1], [1]));
        Assert.ThrowsExactly<ArgumentException>(() => LinearFit.Of([2, 2], [1, 3]));
        Assert.ThrowsExactly<ArgumentException>(() => LinearFit.Of([1, 2], [1, double.NaN]));
        Assert.ThrowsExactly<ArgumentException>(() => LinearFit.Of([1, 2, 3], [1, 2]));
    }
}
