namespace ViTok.Models.Experiments;

/// <summary>
/// Ordinary least squares y = Intercept + Slope * x with R^2 = 1 - SS_res / SS_tot (the share of the variance of y
/// around its mean that the line explains; SS_res = sum (y - fit)^2, SS_tot = sum (y - mean y)^2).
/// </summary>
public sealed record LinearFit(double Slope, double Intercept, double RSquared, int Count)
{
    public double At(double x) => Intercept + Slope * x;

    public static LinearFit Of(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} x values for {y.Count} y values.");
        if (x.Count < 2) throw new ArgumentException($"A line needs at least 2 points; got {x.Count}.");
        if (x.Concat(y).Any(v => !double.IsFinite(v))) throw new ArgumentException("Points must be finite.");
        double mx = x.Average(), my = y.Average();
        double sxx = 0, sxy = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) * (y[i] - my);
        }
        if (sxx == 0) throw new ArgumentException("All x values are equal; no line fits.");
        double slope = sxy / sxx, intercept = my - slope * mx;
        double ssRes = 0;
        for (int i = 0; i < x.Count; i++) ssRes += Math.Pow(y[i] - (intercept + slope * x[i]), 2);
        double r2 = syy == 0 ? 1 : 1 - ssRes / syy;
        return new LinearFit(slope, intercept, r2, x.Count);
    }
}
