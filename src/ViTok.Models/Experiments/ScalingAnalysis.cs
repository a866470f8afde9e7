using System.Text.Json.Nodes;

namespace ViTok.Models.Experiments;

/// <summary>How a measured finding compares with the paper's.</summary>
public enum Outcome { Reproduced, Partly, NotReproduced, Pending }

/// <summary>A finding's verdict: the outcome and one sentence with the numbers behind it.</summary>
public sealed record Verdict(Outcome Outcome, string Sentence)
{
    /// <summary>"reproduced", "partly reproduced", "not reproduced" or "pending".</summary>
    public string OutcomeText => Outcome switch { Outcome.Reproduced => "reproduced", Outcome.Partly => "partly reproduced", Outcome.NotReproduced => "not reproduced", _ => "pending" };

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
    /// Finding 1 (and 6, for clips). Reproduced when PSNR against log2 E fits with R^2 of at least 0.9 (the paper's
    /// range is 0.91-0.98), log FD-clf likewise (when measured), and runs of equal E differ by at most 1 dB PSNR on
    /// average; partly when the fit holds within one patch size (R^2 at least 0.9 over at least 3 runs) but not across
    /// patch sizes; otherwise not.
    /// </summary>
    public static Verdict ELaw(IReadOnlyList<JsonObject> rows, string by = "p")
    {
        if (rows.Count < 4) return new Verdict(Outcome.Pending, $"{rows.Count} run(s) so far; the fit needs at least 4.");
        var psnr = FitAgainstLogE(rows, "psnr");
        var fd = rows.All(r => SweepResults.Number(r, "fd_clf") is not null) ? FitAgainstLogE(rows, "fd_clf", logMetric: true) : null;
        var groups = EqualE(rows, by);
        double spread = groups.Count == 0 ? double.NaN : groups.Average(g => g.PsnrSpread);
        var within = rows.GroupBy(r => Value(r, by)).Where(g => g.Count() >= 3)
            .Select(g => (Key: g.Key, Fit: FitAgainstLogE(g, "psnr"))).OrderBy(x => x.Key).ToList();
        string withinText = string.Join(", ", within.Select(x => $"{by}{x.Key}: {x.Fit.Slope:F2} dB per doubling, R^2 {x.Fit.RSquared:F2}"));
        string sentence = $"PSNR against log2 E over {rows.Count} runs: R^2 {psnr.RSquared:F2}, {psnr.Slope:F2} dB per doubling of E" +
            (fd is null ? "" : $"; log FD-clf: R^2 {fd.RSquared:F2}") +
            (groups.Count == 0 ? "" : $"; runs of equal E differ by {spread:F2} dB on average ({groups.Count} values of E)") +
            (within.Count > 0 ? $"; within one {(by == "p" ? "patch size" : "tubelet depth")}: {withinText}" : "") + ".";
        bool fits = psnr.RSquared >= 0.9 && (fd is null || fd.RSquared >= 0.9);
        if (fits && (groups.Count == 0 || spread <= 1.0)) return new Verdict(Outcome.Reproduced, sentence);
        if (within.Any(x => x.Fit.RSquared >= 0.9)) return new Verdict(Outcome.Partly, sentence);
        return new Verdict(Outcome.NotReproduced, sentence);
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
    /// Finding 3 (encoder) or 4 (decoder): the PSNR gain from the narrowest to the widest part against the gain from
    /// doubling E at the base size (<paramref name="baseRow"/> -> <paramref name="doubledRow"/>). Finding 3 is
    /// reproduced when the encoder's gain is below 0.5 dB and below a quarter of doubling E's, partly when it is below
    /// doubling E's; finding 4 is reproduced when the decoder's gain is positive and smaller than doubling E's, partly
    /// when one of the two holds.
    /// </summary>
    public static Verdict WidthAgainstDoublingE(IReadOnlyList<JsonObject> widths, JsonObject? baseRow, JsonObject? doubledRow, bool decoder)
    {
        string widthKey = decoder ? "decoder.width" : "encoder.width";
        if (widths.Count < 3 || baseRow is null || doubledRow is null)
            return new Verdict(Outcome.Pending, $"{widths.Count} width run(s) so far; needs 3, the base run and the doubled-E run.");
        var ordered = widths.OrderBy(r => Value(r, widthKey)).ToList();
        double gain = Value(ordered[^1], "psnr") - Value(ordered[0], "psnr");
        double partRatio = Value(ordered[^1], decoder ? "params_m.decoder" : "params_m.encoder") / Value(ordered[0], decoder ? "params_m.decoder" : "params_m.encoder");
        double eGain = Value(doubledRow, "psnr") - Value(baseRow, "psnr");
        string part = decoder ? "decoder" : "encoder";
        string sentence = $"from the narrowest to the widest {part} ({Value(ordered[0], widthKey)} -> {Value(ordered[^1], widthKey)} wide, x{partRatio:F1} {part} parameters) " +
                          $"PSNR changes by {gain:+0.00;-0.00} dB, while doubling E at the base size changes it by {eGain:+0.00;-0.00} dB.";
        if (!decoder)
            return new Verdict(gain < 0.5 && gain < 0.25 * eGain ? Outcome.Reproduced : gain < eGain ? Outcome.Partly : Outcome.NotReproduced, sentence);
        bool helps = gain > 0, less = gain < eGain;
        return new Verdict(helps && less ? Outcome.Reproduced : helps || less ? Outcome.Partly : Outcome.NotReproduced, sentence);
    }

    /// <summary>
    /// Finding 5: along more perceptual weight and then a stage-2 GAN, PSNR should fall while FD falls. Reproduced
    /// when the run with the most perceptual/GAN weight has both lower PSNR and lower FD-ResNet18 than the plain MSE
    /// run and the rank correlation between PSNR and FD over all runs is positive (both fall together); partly when
    /// only the end points agree.
    /// </summary>
    public static Verdict LossTradeOff(IReadOnlyList<JsonObject> rows, JsonObject? plain, JsonObject? strongest)
    {
        var measured = rows.Where(r => SweepResults.Number(r, "fd_resnet18") is not null).ToList();
        if (measured.Count < 4 || plain is null || strongest is null)
            return new Verdict(Outcome.Pending, $"{measured.Count} run(s) with FD so far; needs at least 4, including the plain and the strongest run.");
        double dPsnr = Value(strongest, "psnr") - Value(plain, "psnr"), dFd = Value(strongest, "fd_resnet18") - Value(plain, "fd_resnet18");
        double rho = Spearman(measured.Select(r => Value(r, "psnr")).ToList(), measured.Select(r => Value(r, "fd_resnet18")).ToList());
        string sentence = $"from {plain["name"]} to {strongest["name"]}: PSNR {dPsnr:+0.00;-0.00} dB, FD-ResNet18 {dFd:+0.0;-0.0}; " +
                          $"rank correlation of PSNR and FD over {measured.Count} runs {rho:+0.00;-0.00} (positive: they fall together).";
        bool ends = dPsnr < 0 && dFd < 0;
        return new Verdict(ends && rho > 0 ? Outcome.Reproduced : ends ? Outcome.Partly : Outcome.NotReproduced, sentence);
    }

    /// <summary>
    /// Finding 2: reconstruction improves with c while generation has an optimum. Reproduced when generation FD-clf is
    /// lowest at a channel count other than the largest while PSNR is highest at the largest; not reproduced when
    /// generation is best at the largest c.
    /// </summary>
    public static Verdict ChannelOptimum(IReadOnlyList<JsonObject> rows)
    {
        var measured = rows.Where(r => SweepResults.Number(r, "generation.fd_clf") is not null).OrderBy(r => Value(r, "c")).ToList();
        if (measured.Count < 4) return new Verdict(Outcome.Pending, $"{measured.Count} generator run(s) so far; needs at least 4 channel counts.");
        var bestGen = measured.MinBy(r => Value(r, "generation.fd_clf"))!;
        var bestRec = measured.MaxBy(r => Value(r, "psnr"))!;
        double cMax = Value(measured[^1], "c");
        string sentence = $"over c = {string.Join(", ", measured.Select(r => Value(r, "c")))}: generation FD-clf is lowest at c = {Value(bestGen, "c")} " +
                          $"({Value(bestGen, "generation.fd_clf"):F2}; at c = {cMax}: {Value(measured[^1], "generation.fd_clf"):F2}), reconstruction PSNR highest at c = {Value(bestRec, "c")}.";
        if (Value(bestGen, "c") < cMax && Value(bestRec, "c") == cMax) return new Verdict(Outcome.Reproduced, sentence);
        return new Verdict(Value(bestGen, "c") < cMax ? Outcome.Partly : Outcome.NotReproduced, sentence);
    }

    static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double[] Ranks(IReadOnlyList<double> v) { var order = v.Select((value, i) => (value, i)).OrderBy(p => p.value).ToList(); var r = new double[v.Count]; for (int k = 0; k < order.Count; k++) r[order[k].i] = k; return r; }
        var fit = LinearFit.Of(Ranks(x), Ranks(y));
        return Math.Sign(fit.Slope) * Math.Sqrt(fit.RSquared);
    }
}
