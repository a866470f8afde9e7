using System.Text.Json.Nodes;
using ViTok.Models.Experiments;

namespace ViTok.Models.Tests.Experiments;

[TestClass]
public sealed class ScalingAnalysisTests
{
    static JsonObject Row(string name, int p, int c, long e, double psnr, double? fd = null, int[]? findings = null, int encW = 192, int decW = 192,
        double? genFd = null, double? fdResNet = null) => new()
    {
        ["name"] = name, ["p"] = p, ["c"] = c, ["E"] = e, ["psnr"] = psnr, ["fd_clf"] = fd, ["fd_resnet18"] = fdResNet,
        ["findings"] = new JsonArray((findings ?? [1]).Select(f => (JsonNode)f).ToArray()),
        ["encoder"] = new JsonObject { ["width"] = encW }, ["decoder"] = new JsonObject { ["width"] = decW },
        ["params_m"] = new JsonObject { ["encoder"] = encW * encW / 1e4, ["decoder"] = decW * decW / 1e4, ["total"] = (encW * encW + decW * decW) / 1e4 },
        ["generation"] = genFd is null ? null : new JsonObject { ["fd_clf"] = genFd },
    };

    /// <summary>PSNR = 10 + 2 log2 E (+ <paramref name="pOffset"/> at p8) at p4 and p8, E 64-512, for each seed with its offset.</summary>
    static List<JsonObject> ELawRows(double pOffset, params double[] seedOffsets)
    {
        var rows = new List<JsonObject>();
        foreach (int p in new[] { 4, 8 })
            foreach (long e in new long[] { 64, 128, 256, 512 })
                for (int s = 0; s < seedOffsets.Length; s++)
                    rows.Add(Row($"p{p}-{e}" + (s == 0 ? "" : $".s{s}"), p, (int)(e / (p == 4 ? 64 : 16)), e,
                        10 + 2 * Math.Log2(e) + (p == 8 ? pOffset : 0) + seedOffsets[s], 100.0 / e));
        return rows;
    }

    [TestMethod]
    public void The_e_law_is_judged_on_seed_means_in_units_of_the_seed_spread()
    {
        // Seeds 0.3 dB apart (sd 0.3 over 3 seeds: 2u = 2 x 0.3 x sqrt(2/3) = 0.49 dB).
        var agreeing = ScalingAnalysis.ELaw(ELawRows(0.2, 0, 0.3, -0.3));
        Assert.AreEqual(Outcome.Reproduced, agreeing.Outcome, agreeing.Sentence);
        StringAssert.Contains(agreeing.Sentence, "R^2 1.00, 2.00 dB per doubling");
        StringAssert.Contains(agreeing.Sentence, "over 8 configurations (24 runs)");
        StringAssert.Contains(agreeing.Sentence, "seed spread 0.30 dB");
        Assert.AreEqual(0.3, ScalingAnalysis.SeedSpread(ELawRows(0, 0, 0.3, -0.3))!.Value.Sd, 1e-9);
        Assert.AreEqual("p4-64", ScalingAnalysis.Configuration(ELawRows(0, 0, 1)[1]));

        // p8 is 3 dB better at every E: more than a doubling of E (2 dB) and far beyond seed noise.
        Assert.AreEqual(Outcome.NotReproduced, ScalingAnalysis.ELaw(ELawRows(3, 0, 0.3, -0.3)).Outcome);
        // 1 dB apart: beyond the noise but less than a doubling of E.
        Assert.AreEqual(Outcome.Inconclusive, ScalingAnalysis.ELaw(ELawRows(1, 0, 0.3, -0.3)).Outcome);
        // The same 1 dB under noisy seeds (sd 1.5: 2u = 2.45 dB) is within the noise.
        Assert.AreEqual(Outcome.Reproduced, ScalingAnalysis.ELaw(ELawRows(1, 0, 1.5, -1.5)).Outcome);
        // One seed only: no noise estimate, whatever the numbers.
        var single = ScalingAnalysis.ELaw(ELawRows(0, 0));
        Assert.AreEqual(Outcome.Inconclusive, single.Outcome, single.Sentence);
        StringAssert.Contains(single.Sentence, "no noise estimate");
        Assert.AreEqual(Outcome.Pending, ScalingAnalysis.ELaw(ELawRows(0, 0).Take(3).ToList()).Outcome);
    }

    /// <summary>A configuration's rows: seed 0 at <paramref name="psnr"/>, seeds 1 and 2 at +-<paramref name="sd"/> (sd of the three: <paramref name="sd"/>).</summary>
    static List<JsonObject> Seeds(string name, double psnr, double sd, int encW = 192, int decW = 192) =>
        [Row(name, 8, 16, 256, psnr, encW: encW, decW: decW), Row(name + ".s1", 8, 16, 256, psnr + sd, encW: encW, decW: decW), Row(name + ".s2", 8, 16, 256, psnr - sd, encW: encW, decW: decW)];

    [TestMethod]
    public void Width_verdicts_compare_with_doubling_e_in_units_of_the_seed_spread()
    {
        // sd 0.2 dB over 3 seeds: 2u = 2 x 0.2 x sqrt(2/3) = 0.33 dB. Doubling E gains 3 dB.
        var baseRows = Seeds("base", 25.0, 0.2);
        var doubled = Seeds("double", 28.0, 0.2);
        var flat = Seeds("e96", 24.9, 0.2, encW: 96).Concat(baseRows).Concat(Seeds("e288", 25.2, 0.2, encW: 288)).ToList();
        var v = ScalingAnalysis.WidthAgainstDoublingE(flat, baseRows, doubled, decoder: false);
        Assert.AreEqual(Outcome.Reproduced, v.Outcome, v.Sentence);
        StringAssert.Contains(v.Sentence, "+0.30 dB");
        StringAssert.Contains(v.Sentence, "2u = 0.33 dB");
        // An encoder 2 dB better at its widest: beyond the noise and more than half of doubling E.
        var helps = Seeds("e96", 24.0, 0.2, encW: 96).Concat(baseRows).Concat(Seeds("e288", 26.0, 0.2, encW: 288)).ToList();
        Assert.AreEqual(Outcome.NotReproduced, ScalingAnalysis.WidthAgainstDoublingE(helps, baseRows, doubled, decoder: false).Outcome);

        var decoders = Seeds("d96", 23.5, 0.2, decW: 96).Concat(baseRows).Concat(Seeds("d288", 25.6, 0.2, decW: 288)).ToList();
        Assert.AreEqual(Outcome.Reproduced, ScalingAnalysis.WidthAgainstDoublingE(decoders, baseRows, doubled, decoder: true).Outcome);   // 2.1 < 3 - 0.33
        var strong = Seeds("d96", 22.0, 0.2, decW: 96).Concat(baseRows).Concat(Seeds("d288", 26.0, 0.2, decW: 288)).ToList();
        Assert.AreEqual(Outcome.NotReproduced, ScalingAnalysis.WidthAgainstDoublingE(strong, baseRows, doubled, decoder: true).Outcome); // 4 > 3 + 0.33
        var close = Seeds("d96", 22.9, 0.2, decW: 96).Concat(baseRows).Concat(Seeds("d288", 25.8, 0.2, decW: 288)).ToList();
        Assert.AreEqual(Outcome.Inconclusive, ScalingAnalysis.WidthAgainstDoublingE(close, baseRows, doubled, decoder: true).Outcome);   // 2.9 within 0.33 of 3

        // One seed each: no noise estimate, so inconclusive whatever the numbers.
        var single = ScalingAnalysis.WidthAgainstDoublingE(decoders.Where(r => !((string)r["name"]!).Contains(".s")).ToList(), [baseRows[0]], [doubled[0]], decoder: true);
        Assert.AreEqual(Outcome.Inconclusive, single.Outcome);
        StringAssert.Contains(single.Sentence, "no noise estimate");
        Assert.AreEqual(Outcome.Pending, ScalingAnalysis.WidthAgainstDoublingE(decoders.Take(6).ToList(), baseRows, doubled, decoder: true).Outcome);
    }

    [TestMethod]
    public void Channel_optimum_and_loss_trade_off()
    {
        // Finding 2 on seed means: each channel count at seeds 0, 1, 2 with FD-clf +-0.3 (sd 0.3, 2u = 0.49).
        List<JsonObject> Channels(Func<int, double> fdOf, Func<int, double>? psnrOf = null) =>
            new[] { 4, 8, 16, 32 }.SelectMany(c => new[] { 0.0, 1, -1 }.Select((o, s) =>
                Row($"c{c}" + (s == 0 ? "" : $".s{s}"), 8, c, 16 * c, (psnrOf ?? (x => 20 + x / 4.0))(c), genFd: fdOf(c) + 0.3 * o))).ToList();
        var optimum = ScalingAnalysis.ChannelOptimum(Channels(c => Math.Abs(c - 8) + 1.0));
        Assert.AreEqual(Outcome.Reproduced, optimum.Outcome, optimum.Sentence);   // lowest at c = 8, 4 and 8 above it against 2u 0.49
        StringAssert.Contains(optimum.Sentence, "2u = 0.49");
        Assert.AreEqual(Outcome.NotReproduced, ScalingAnalysis.ChannelOptimum(Channels(c => 100.0 / c)).Outcome);   // best at the largest c
        Assert.AreEqual(Outcome.Inconclusive, ScalingAnalysis.ChannelOptimum(Channels(c => c == 8 ? 1.0 : c == 4 ? 1.3 : 5)).Outcome);   // 0.3 above it: within 2u
        Assert.AreEqual(Outcome.Inconclusive, ScalingAnalysis.ChannelOptimum(Channels(c => Math.Abs(c - 8) + 1.0, c => 30 - c)).Outcome);   // PSNR best at the smallest c
        var oneSeed = ScalingAnalysis.ChannelOptimum(Channels(c => Math.Abs(c - 8) + 1.0).Where(r => !((string)r["name"]!).Contains(".s")).ToList());
        Assert.AreEqual(Outcome.Inconclusive, oneSeed.Outcome);
        StringAssert.Contains(oneSeed.Sentence, "no noise estimate");
        Assert.AreEqual(Outcome.Pending, ScalingAnalysis.ChannelOptimum(Channels(c => c).Where(r => (int)r["c"]! < 32).ToList()).Outcome);

        // Finding 5 on seed means: each configuration at seeds 0, 1, 2 with PSNR +-0.1 dB and FD +-2 (2u = 0.16 dB and 3.3).
        List<JsonObject> Loss(Func<double, double> fdOf, double psnrStep = 0.5) =>
            new[] { "pw0", "pw0.25", "pw1", "gan" }.SelectMany((name, k) => new[] { 0.0, 1, -1 }.Select((o, s) =>
                Row(name + (s == 0 ? "" : $".s{s}"), 8, 16, 256, 26 - psnrStep * k + 0.1 * o, fdResNet: fdOf(k) + 2 * o))).ToList();
        var falls = ScalingAnalysis.LossTradeOff(Loss(k => 100 - 20 * k), "pw0", "gan");
        Assert.AreEqual(Outcome.Reproduced, falls.Outcome, falls.Sentence);
        StringAssert.Contains(falls.Sentence, "PSNR -1.50 dB, FD-ResNet18 -60.0");
        Assert.AreEqual(Outcome.NotReproduced, ScalingAnalysis.LossTradeOff(Loss(k => 100 + 20 * k), "pw0", "gan").Outcome);
        Assert.AreEqual(Outcome.Inconclusive, ScalingAnalysis.LossTradeOff(Loss(k => 100 - k), "pw0", "gan").Outcome);   // FD -3 is within 2u
        var single = ScalingAnalysis.LossTradeOff(Loss(k => 100 - 20 * k).Where(r => !((string)r["name"]!).Contains(".s")).ToList(), "pw0", "gan");
        Assert.AreEqual(Outcome.Inconclusive, single.Outcome);
        StringAssert.Contains(single.Sentence, "no noise estimate");
    }

    [TestMethod]
    public void E_per_frame_is_solved_per_tubelet_depth()
    {
        // 8 frames; PSNR = 10 + 2 log2(E per frame) + 2 log2 q: a q-frame tubelet reaches a PSNR with q times less E per frame.
        var rows = new List<JsonObject>();
        foreach (int q in new[] { 1, 2, 4 })
            foreach (double perFrame in new[] { 16.0, 32, 64 })
                rows.Add(new JsonObject { ["name"] = $"q{q}-{perFrame}", ["q"] = q, ["E_per_frame"] = perFrame, ["psnr"] = 10 + 2 * Math.Log2(perFrame) + 2 * Math.Log2(q) });
        string text = ScalingAnalysis.EPerFrame(rows, targetPsnr: 22)!;
        Assert.AreEqual("E per frame for 22.0 dB (fitted per q): q1 64, q2 32, q4 16; q2 needs 2.0x less than frame by frame (q1), q4 needs 4.0x less than frame by frame (q1)", text);
        Assert.IsNull(ScalingAnalysis.EPerFrame(rows.Where(r => (int)r["q"]! == 1).ToList()));

        // Deeper tubelets that need more E per frame, or the same, are said so (not "0.5x less").
        var costly = new List<JsonObject>();
        foreach (int q in new[] { 1, 2, 4 })
            foreach (double perFrame in new[] { 16.0, 32, 64 })
                costly.Add(new JsonObject { ["name"] = $"q{q}-{perFrame}", ["q"] = q, ["E_per_frame"] = perFrame, ["psnr"] = 10 + 2 * Math.Log2(perFrame) - 2 * Math.Log2(q) + (q == 4 ? 4 : 0) });
        Assert.AreEqual("E per frame for 22.0 dB (fitted per q): q1 64, q2 128, q4 64; q2 needs 2.0x more than frame by frame (q1), q4 needs about as much as frame by frame (q1)",
            ScalingAnalysis.EPerFrame(costly, targetPsnr: 22));
    }
}
