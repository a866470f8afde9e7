using System.Text.Json.Nodes;

namespace ViTok.Models.Experiments;

/// <summary>How a measured finding compares with the paper's.</summary>
public enum Outcome { Reproduced, Partly, NotReproduced, Pending, Inconclusive }

/// <summary>A finding's verdict: the outcome and one sentence with the numbers behind it.</summary>
public sealed record Verdict(Outcome Outcome, string Sentence)
{
    /// <summary>"reproduced", "partly reproduced", "not reproduced" or "pending".</summary>
    public string OutcomeText => Outcome switch
    {
        Outcome.Reproduced => "reproduced", Outcome.Partly => "partly reproduced", Outcome.NotReproduced => "not reproduced",
        Outcome.Inconclusive => "inconclusive", _ => "pending",
    };

    public override string ToString() => $"{OutcomeText}: {Sentence}";
}

/// <summary>Runs of one E (= L x c) at different patch sizes (or tubelet depths), for the equal-E table.</summary>
public sealed record EqualEGroup(long E, IReadOnlyList<JsonObject> Rows, double PsnrSpread);

/// <summary>
/// The analyses behind the scaling notebooks, on sweep result rows (<see cref="SweepResults"/>). Each rule is written
/// here once, with its thresholds, so a verdict is computed from the rows, never typed.
/// </summary>
public static class ScalingAnalysis
{
    /// <summary>The rows that serve a finding (their plan lists it).</summary>
    public static List<JsonObject> ForFinding(SweepResults results, int finding) =>
        results.Rows.Where(r => r["findings"] is JsonArray a && a.Any(n => (int?)n == finding)).ToList();

    /// <summary>A number of a row by dotted path; a missing one is an error naming the row.</summary>
    public static double Value(JsonObject row, string key) =>
        SweepResults.Number(row, key) ?? throw new ArgumentException($"Row '{row["name"]}' has no number '{key}'.");

    /// <summary>A metric against log2 E (the paper plots against log E); <paramref name="logMetric"/> fits the natural log of the metric (FD).</summary>
    public static LinearFit FitAgainstLogE(IEnumerable<JsonObject> rows, string metric, bool logMetric = false, string eKey = "E")
    {
        var list = rows.Where(r => SweepResults.Number(r, metric) is not null).ToList();
        return LinearFit.Of(list.Select(r => Math.Log2(Value(r, eKey))).ToList(),
            list.Select(r => logMetric ? Math.Log(Value(r, metric)) : Value(r, metric)).ToList());
    }

    /// <summary>Groups of rows with the same E and more than one value of <paramref name="by"/> (p, or q for video).</summary>
    public static List<EqualEGroup> EqualE(IEnumerable<JsonObject> rows, string by = "p") =>
        rows.GroupBy(r => (long)Value(r, "E"))
            .Where(g => g.Select(r => Value(r, by)).Distinct().Count() > 1)
            .OrderBy(g => g.Key)
            .Select(g => new EqualEGroup(g.Key, g.OrderBy(r => Value(r, by)).ToList(), g.Max(r => Value(r, "psnr")) - g.Min(r => Value(r, "psnr"))))
            .ToList();

    /// <summary>
    /// The configuration a row measures: its run name without a seed suffix (".s1", ".s2": the same run with
    /// <c>--seed</c> 1, 2; the unsuffixed run is seed 0).
    /// </summary>
    public static string Configuration(JsonObject row)
    {
        string name = (string?)row["name"] ?? throw new ArgumentException("A row has no name.");
        int dot = name.LastIndexOf(".s", StringComparison.Ordinal);
        return dot > 0 && int.TryParse(name[(dot + 2)..], out _) ? name[..dot] : name;
    }

    /// <summary>
    /// The seed spread of <paramref name="metric"/>: the pooled standard deviation over the configurations measured with
    /// at least two seeds (sqrt of the mean of their sample variances), with how many configurations and seeds per
    /// configuration (the mean) it rests on; null when no configuration has two seeds.
    /// </summary>
    public static (double Sd, int Configurations, double SeedsPerConfiguration)? SeedSpread(IEnumerable<JsonObject> rows, string metric = "psnr")
    {
        var groups = rows.Where(r => SweepResults.Number(r, metric) is not null).GroupBy(Configuration)
            .Select(g => g.Select(r => Value(r, metric)).ToList()).Where(v => v.Count >= 2).ToList();
        if (groups.Count == 0) return null;
        double variance = groups.Average(v => { double m = v.Average(); return v.Sum(x => (x - m) * (x - m)) / (v.Count - 1); });
        return (Math.Sqrt(variance), groups.Count, groups.Average(v => v.Count));
    }

    /// <summary>One row per configuration: the first seed's row with PSNR, SSIM and FD-clf replaced by their means over seeds and "seeds" set.</summary>
    public static List<JsonObject> SeedMeans(IEnumerable<JsonObject> rows) =>
        rows.GroupBy(Configuration).Select(g =>
        {
            var mean = (JsonObject)g.First().DeepClone();
            foreach (var key in new[] { "psnr", "ssim", "fd_clf" })
            {
                var values = g.Select(r => SweepResults.Number(r, key)).OfType<double>().ToList();
                if (values.Count == g.Count()) mean[key] = values.Average();
            }
            mean["name"] = g.Key;
            mean["seeds"] = g.Count();
            return mean;
        }).ToList();

    /// <summary>
    /// Finding 1 (and 6, for clips), on configuration means over seeds, in units of the seed spread. Let s be the PSNR
    /// gained per doubling of E (fit of the means against log2 E), D the mean over values of E of the range of the
    /// means across patch sizes (or tubelet depths), and u = sd x sqrt(2 / n) the noise of a difference of two means
    /// of n seeds, from the pooled seed spread sd. Reproduced: R^2 at least 0.9 (the paper's 0.91-0.98; log FD-clf
    /// likewise when measured) and D at most 2u (patch size changes nothing beyond seed noise at equal E). Not
    /// reproduced: R^2 under 0.5, or D above 2u and at least s (patch size moves PSNR as much as doubling E). Otherwise
    /// inconclusive, and always inconclusive when no configuration has two seeds (no noise estimate).
    /// </summary>
    public static Verdict ELaw(IReadOnlyList<JsonObject> seedRows, string by = "p")
    {
        var rows = SeedMeans(seedRows);
        var seeds = SeedSpread(seedRows);
        if (rows.Count < 4) return new Verdict(Outcome.Pending, $"{rows.Count} configuration(s) so far; the fit needs at least 4.");
        var psnr = FitAgainstLogE(rows, "psnr");
        var fd = rows.All(r => SweepResults.Number(r, "fd_clf") is not null) ? FitAgainstLogE(rows, "fd_clf", logMetric: true) : null;
        var groups = EqualE(rows, by);
        double spread = groups.Count == 0 ? double.NaN : groups.Average(g => g.PsnrSpread);
        var within = rows.GroupBy(r => Value(r, by)).Where(g => g.Count() >= 3)
            .Select(g => (Key: g.Key, Fit: FitAgainstLogE(g, "psnr"))).OrderBy(x => x.Key).ToList();
        string withinText = string.Join(", ", within.Select(x => $"{by}{x.Key}: {x.Fit.Slope:F2} dB per doubling, R^2 {x.Fit.RSquared:F2}"));
        double? noise = seeds is { } sp ? sp.Sd * Math.Sqrt(2 / sp.SeedsPerConfiguration) : null;
        string sentence = $"PSNR against log2 E over {rows.Count} configurations ({seedRows.Count} runs): R^2 {psnr.RSquared:F2}, {psnr.Slope:F2} dB per doubling of E" +
            (fd is null ? "" : $"; log FD-clf: R^2 {fd.RSquared:F2}") +
            (groups.Count == 0 ? "" : $"; configurations of equal E differ by {spread:F2} dB on average ({groups.Count} values of E)") +
            (seeds is { } q ? $"; seed spread {q.Sd:F2} dB (pooled over {q.Configurations} configurations, {q.SeedsPerConfiguration:F1} seeds each), so 2u = {2 * noise:F2} dB"
                            : "; no configuration has two seeds, so there is no noise estimate") +
            (within.Count > 0 ? $"; within one {(by == "p" ? "patch size" : "tubelet depth")}: {withinText}" : "") + ".";
        bool fits = psnr.RSquared >= 0.9 && (fd is null || fd.RSquared >= 0.9);
        if (psnr.RSquared < 0.5) return new Verdict(Outcome.NotReproduced, sentence);
        if (noise is not double u) return new Verdict(Outcome.Inconclusive, sentence);
        bool equalEHolds = groups.Count == 0 || spread <= 2 * u;
        if (fits && equalEHolds) return new Verdict(Outcome.Reproduced, sentence);
        if (!equalEHolds && spread >= psnr.Slope) return new Verdict(Outcome.NotReproduced, sentence);
        return new Verdict(Outcome.Inconclusive, sentence);
    }

    /// <summary>
    /// Finding 6's second half, "less E per frame": for each tubelet depth q with at least 2 runs, PSNR is fitted
    /// against log2 (E per frame) and solved for the E per frame that reaches <paramref name="targetPsnr"/> (default:
    /// the mean PSNR of the runs). q = 1 codes every frame on its own, as an image tokenizer would; the ratio of its E
    /// per frame to a deeper tubelet's says how much less E per frame the clip needs. Null with fewer than two depths.
    /// </summary>
    public static string? EPerFrame(IReadOnlyList<JsonObject> rows, double? targetPsnr = null)
    {
        var fits = rows.GroupBy(r => Value(r, "q")).Where(g => g.Select(r => Value(r, "E_per_frame")).Distinct().Count() >= 2)
            .OrderBy(g => g.Key)
            .Select(g => (Q: g.Key, Fit: LinearFit.Of(g.Select(r => Math.Log2(Value(r, "E_per_frame"))).ToList(), g.Select(r => Value(r, "psnr")).ToList())))
            .Where(x => x.Fit.Slope > 0).ToList();
        if (fits.Count < 2) return null;
        double target = targetPsnr ?? rows.Average(r => Value(r, "psnr"));
        var needed = fits.Select(x => (x.Q, E: Math.Pow(2, (target - x.Fit.Intercept) / x.Fit.Slope))).ToList();
        string text = $"E per frame for {target:F1} dB (fitted per q): " + string.Join(", ", needed.Select(n => $"q{n.Q} {n.E:F0}"));
        if (needed[0].Q == 1)
            text += "; " + string.Join(", ", needed.Skip(1).Select(n => Compared(n.Q, needed[0].E / n.E)));
        return text;

        // ratio = E per frame at q1 over E per frame at q; within 5 % counts as the same.
        static string Compared(double q, double ratio) =>
            ratio >= 1.05 ? $"q{q} needs {ratio:F1}x less than frame by frame (q1)"
            : ratio <= 1 / 1.05 ? $"q{q} needs {1 / ratio:F1}x more than frame by frame (q1)"
            : $"q{q} needs about as much as frame by frame (q1)";
    }

    /// <summary>
    /// Findings 3 (encoder) and 4 (decoder), on configuration means over seeds (docs/sweeps.md, "Decision rules"): g is
    /// the PSNR change from the narrowest to the widest part, e the change from doubling E at the base size
    /// (<paramref name="baseRows"/> -> <paramref name="doubledRows"/>, each with its seed rows), u = sd x sqrt(2 / n)
    /// from the seed spread pooled over all these runs. Finding 3 is reproduced when |g| &lt;= 2u and not reproduced when
    /// g &gt; 2u and g &gt;= e / 2. Finding 4 is reproduced when e - g &gt; 2u and not reproduced when g - e &gt; 2u.
    /// Otherwise, or with no configuration at two seeds, inconclusive.
    /// </summary>
    public static Verdict WidthAgainstDoublingE(IReadOnlyList<JsonObject> widthRows, IReadOnlyList<JsonObject> baseRows, IReadOnlyList<JsonObject> doubledRows, bool decoder)
    {
        string widthKey = decoder ? "decoder.width" : "encoder.width";
        var widths = SeedMeans(widthRows);
        if (widths.Count < 3 || baseRows.Count == 0 || doubledRows.Count == 0)
            return new Verdict(Outcome.Pending, $"{widths.Count} width configuration(s) so far; needs 3, the base run and the doubled-E run.");
        var ordered = widths.OrderBy(r => Value(r, widthKey)).ToList();
        double gain = Value(ordered[^1], "psnr") - Value(ordered[0], "psnr");
        double partRatio = Value(ordered[^1], decoder ? "params_m.decoder" : "params_m.encoder") / Value(ordered[0], decoder ? "params_m.decoder" : "params_m.encoder");
        double eGain = Value(SeedMeans(doubledRows).Single(), "psnr") - Value(SeedMeans(baseRows).Single(), "psnr");
        var seeds = SeedSpread(widthRows.Union(baseRows).Union(doubledRows));   // the base rows are often among the width rows
        double? u = seeds is { } sp ? sp.Sd * Math.Sqrt(2 / sp.SeedsPerConfiguration) : null;
        string part = decoder ? "decoder" : "encoder";
        string sentence = $"from the narrowest to the widest {part} ({Value(ordered[0], widthKey)} -> {Value(ordered[^1], widthKey)} wide, x{partRatio:F1} {part} parameters) " +
                          $"PSNR changes by {gain:+0.00;-0.00} dB, while doubling E at the base size changes it by {eGain:+0.00;-0.00} dB" +
                          (seeds is { } q ? $"; seed spread {q.Sd:F2} dB ({q.Configurations} configurations, {q.SeedsPerConfiguration:F1} seeds each), so 2u = {2 * u:F2} dB."
                                          : "; one seed per configuration, so no noise estimate.");
        if (u is not double noise) return new Verdict(Outcome.Inconclusive, sentence);
        if (!decoder)
            return new Verdict(Math.Abs(gain) <= 2 * noise ? Outcome.Reproduced : gain > 2 * noise && gain >= eGain / 2 ? Outcome.NotReproduced : Outcome.Inconclusive, sentence);
        return new Verdict(eGain - gain > 2 * noise ? Outcome.Reproduced : gain - eGain > 2 * noise ? Outcome.NotReproduced : Outcome.Inconclusive, sentence);
    }

    /// <summary>
    /// Finding 5, on configuration means over seeds (docs/sweeps.md, "Decision rules"): from the plain MSE configuration
    /// to the one with the most perceptual and GAN weight, PSNR changes by dP and FD-ResNet18 by dF; u_P and u_F are
    /// sd x sqrt(2 / n) from each metric's seed spread pooled over the loss runs. Reproduced when dP &lt; -2u_P and
    /// dF &lt; -2u_F (both fall beyond seed noise); not reproduced when dF &gt; 2u_F (FD rises with the weight). Otherwise,
    /// or with no configuration at two seeds, inconclusive. The rank correlation of PSNR and FD over all configurations
    /// is reported, not judged.
    /// </summary>
    public static Verdict LossTradeOff(IReadOnlyList<JsonObject> rows, string plain, string strongest)
    {
        var measured = rows.Where(r => SweepResults.Number(r, "fd_resnet18") is not null).ToList();
        var means = SeedMeans(measured);
        var plainMean = means.FirstOrDefault(r => (string?)r["name"] == plain);
        var strongestMean = means.FirstOrDefault(r => (string?)r["name"] == strongest);
        if (means.Count < 4 || plainMean is null || strongestMean is null)
            return new Verdict(Outcome.Pending, $"{means.Count} configuration(s) with FD so far; needs at least 4, including {plain} and {strongest}.");
        foreach (var mean in means)
            mean["fd_resnet18"] = measured.Where(r => Configuration(r) == (string)mean["name"]!).Average(r => Value(r, "fd_resnet18"));
        double dPsnr = Value(strongestMean, "psnr") - Value(plainMean, "psnr"), dFd = Value(strongestMean, "fd_resnet18") - Value(plainMean, "fd_resnet18");
        double rho = Spearman(means.Select(r => Value(r, "psnr")).ToList(), means.Select(r => Value(r, "fd_resnet18")).ToList());
        var psnrSeeds = SeedSpread(measured);
        var fdSeeds = SeedSpread(measured, "fd_resnet18");
        string sentence = $"from {plain} to {strongest}: PSNR {dPsnr:+0.00;-0.00} dB, FD-ResNet18 {dFd:+0.0;-0.0}; " +
                          $"rank correlation of PSNR and FD over {means.Count} configurations {rho:+0.00;-0.00} (positive: they fall together)" +
                          (psnrSeeds is { } p && fdSeeds is { } f
                              ? $"; seed spread {p.Sd:F2} dB and {f.Sd:F1} FD ({p.Configurations} configurations), so 2u = {2 * Noise(p):F2} dB and {2 * Noise(f):F1}."
                              : "; one seed per configuration, so no noise estimate.");
        if (psnrSeeds is not { } ps || fdSeeds is not { } fs) return new Verdict(Outcome.Inconclusive, sentence);
        double uP = Noise(ps), uF = Noise(fs);
        if (dPsnr < -2 * uP && dFd < -2 * uF) return new Verdict(Outcome.Reproduced, sentence);
        return new Verdict(dFd > 2 * uF ? Outcome.NotReproduced : Outcome.Inconclusive, sentence);
    }

    /// <summary>u = sd x sqrt(2 / n): the noise of a difference of two means of n seeds.</summary>
    static double Noise((double Sd, int Configurations, double SeedsPerConfiguration) spread) => spread.Sd * Math.Sqrt(2 / spread.SeedsPerConfiguration);

    /// <summary>
    /// Finding 2, on configuration means over seeds (docs/sweeps.md, "Decision rules"): for each generation FD-clf in
    /// <paramref name="fdKeys"/> (one per guidance scale measured; the rule asks for cfg 1, 2 and 4), with its own
    /// u = sd x sqrt(2 / n) from the seed spread of that key. Reproduced when, for every key, the lowest mean is at an
    /// interior c and below both neighbours by more than 2u, while reconstruction PSNR is highest at the largest c. Not
    /// reproduced when, for every key, the lowest mean is at the smallest or the largest c and below the next lowest by
    /// more than 2u. Otherwise, or with no configuration at two seeds, inconclusive.
    /// </summary>
    public static Verdict ChannelOptimum(IReadOnlyList<JsonObject> rows, IReadOnlyList<string>? fdKeys = null)
    {
        fdKeys ??= ["generation.fd_clf"];
        var measured = rows.Where(r => fdKeys.All(k => SweepResults.Number(r, k) is not null)).ToList();
        var configurations = measured.GroupBy(Configuration).Select(g => g.ToList()).OrderBy(g => Value(g[0], "c")).ToList();
        if (configurations.Count < 4) return new Verdict(Outcome.Pending, $"{configurations.Count} generator configuration(s) so far; needs at least 4 channel counts.");
        double[] cs = configurations.Select(g => Value(g[0], "c")).ToArray();
        double[] psnr = configurations.Select(g => g.Average(r => Value(r, "psnr"))).ToArray();
        int bestRec = Array.IndexOf(psnr, psnr.Max()), last = cs.Length - 1;
        var parts = new List<string>();
        bool allInterior = true, allEdge = true, noise = true;
        foreach (var key in fdKeys)
        {
            double[] fd = configurations.Select(g => g.Average(r => Value(r, key))).ToArray();
            int best = Array.IndexOf(fd, fd.Min());
            var spread = SeedSpread(measured, key);
            string label = key == "generation.fd_clf" ? "generation FD-clf" : key;
            parts.Add($"{label} is lowest at c = {cs[best]} ({fd[best]:F2}; at c = {cs[last]}: {fd[last]:F2})" +
                      (spread is { } sp ? $", 2u = {2 * Noise(sp):F2}" : ""));
            if (spread is not { } seeds) { noise = false; continue; }
            double u2 = 2 * Noise(seeds);
            allInterior &= best > 0 && best < last && fd[best - 1] - fd[best] > u2 && fd[best + 1] - fd[best] > u2;
            double nextLowest = fd.Where((_, i) => i != best).Min();
            allEdge &= (best == 0 || best == last) && nextLowest - fd[best] > u2;
        }
        string sentence = $"over c = {string.Join(", ", cs)}: {string.Join("; ", parts)}; reconstruction PSNR highest at c = {cs[bestRec]}" +
                          (noise ? "." : ". One seed per configuration, so no noise estimate.");
        if (!noise) return new Verdict(Outcome.Inconclusive, sentence);
        if (allInterior && bestRec == last) return new Verdict(Outcome.Reproduced, sentence);
        return new Verdict(allEdge ? Outcome.NotReproduced : Outcome.Inconclusive, sentence);
    }

    static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double[] Ranks(IReadOnlyList<double> v) { var order = v.Select((value, i) => (value, i)).OrderBy(p => p.value).ToList(); var r = new double[v.Count]; for (int k = 0; k < order.Count; k++) r[order[k].i] = k; return r; }
        var fit = LinearFit.Of(Ranks(x), Ranks(y));
        return Math.Sign(fit.Slope) * Math.Sqrt(fit.RSquared);
    }
}
