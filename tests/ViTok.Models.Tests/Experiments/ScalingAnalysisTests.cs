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

    [TestMethod]
    public void An_exact_e_law_with_equal_e_agreement_is_reproduced_and_a_plateau_is_partly()
    {
        // PSNR = 10 + 2 log2 E at both patch sizes; FD halves per doubling.
        var rows = new List<JsonObject>();
        foreach (int p in new[] { 4, 8 })
            foreach (long e in new long[] { 64, 128, 256, 512 })
                rows.Add(Row($"p{p}-{e}", p, (int)(e / (p == 4 ? 64 : 16)), e, 10 + 2 * Math.Log2(e), 100.0 / e));
        var verdict = ScalingAnalysis.ELaw(rows);
        Assert.AreEqual(Outcome.Reproduced, verdict.Outcome, verdict.Sentence);
        StringAssert.Contains(verdict.Sentence, "R^2 1.00, 2.00 dB per doubling");
        Assert.AreEqual(4, ScalingAnalysis.EqualE(rows).Count);
        Assert.AreEqual(0, ScalingAnalysis.EqualE(rows)[0].PsnrSpread, 1e-12);

        // p8 saturates: flat PSNR; the law holds within p4 only.
        var plateau = rows.Select(r => (int)r["p"]! == 8 ? Row((string)r["name"]!, 8, 1, (long)r["E"]!, 22, 5) : r).ToList();
        Assert.AreEqual(Outcome.Partly, ScalingAnalysis.ELaw(plateau).Outcome);
        Assert.AreEqual(Outcome.Pending, ScalingAnalysis.ELaw(rows.Take(3).ToList()).Outcome);
    }

    [TestMethod]
    public void Width_verdicts_compare_with_doubling_e()
    {
        var baseRow = Row("base", 8, 16, 256, 25.0);
        var doubled = Row("double", 8, 32, 512, 28.0);
        var encoders = new[] { Row("e96", 8, 16, 256, 24.9, encW: 96), Row("e192", 8, 16, 256, 25.0), Row("e288", 8, 16, 256, 25.2, encW: 288) };
        Assert.AreEqual(Outcome.Reproduced, ScalingAnalysis.WidthAgainstDoublingE(encoders, baseRow, doubled, decoder: false).Outcome);
        var decoders = new[] { Row("d96", 8, 16, 256, 23.5, decW: 96), Row("d192", 8, 16, 256, 25.0), Row("d288", 8, 16, 256, 25.6, decW: 288) };
        var v = ScalingAnalysis.WidthAgainstDoublingE(decoders, baseRow, doubled, decoder: true);
        Assert.AreEqual(Outcome.Reproduced, v.Outcome, v.Sentence);
        StringAssert.Contains(v.Sentence, "+2.10 dB");
        Assert.AreEqual(Outcome.Pending, ScalingAnalysis.WidthAgainstDoublingE(decoders[..2], baseRow, doubled, decoder: true).Outcome);
    }

    [TestMethod]
    public void Channel_optimum_and_loss_trade_off()
    {
        var rows = new[] { 4, 8, 16, 32 }.Select(c => Row($"c{c}", 8, c, 16 * c, 20 + c / 4.0, genFd: Math.Abs(c - 8) + 1.0)).ToList();
        Assert.AreEqual(Outcome.Reproduced, ScalingAnalysis.ChannelOptimum(rows).Outcome);
        var monotone = rows.Select(r => Row((string)r["name"]!, 8, (int)r["c"]!, (long)r["E"]!, (double)r["psnr"]!, genFd: 100.0 / (int)r["c"]!)).ToList();
        Assert.AreEqual(Outcome.NotReproduced, ScalingAnalysis.ChannelOptimum(monotone).Outcome);

        var loss = new[] { Row("pw0", 8, 16, 256, 26, fdResNet: 100), Row("pw0.25", 8, 16, 256, 25.5, fdResNet: 80), Row("pw1", 8, 16, 256, 25, fdResNet: 60), Row("gan", 8, 16, 256, 24.5, fdResNet: 40) };
        Assert.AreEqual(Outcome.Reproduced, ScalingAnalysis.LossTradeOff(loss, loss[0], loss[3]).Outcome);
        var worse = loss.Select(r => Row((string)r["name"]!, 8, 16, 256, (double)r["psnr"]!, fdResNet: 200 - (double)r["fd_resnet18"]!)).ToArray();
        Assert.AreEqual(Outcome.NotReproduced, ScalingAnalysis.LossTradeOff(worse, worse[0], worse[3]).Outcome);
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
