using System.Text;
using System.Text.Json.Nodes;

namespace ViTok.Models.Experiments;

/// <summary>One line of the findings summary: the paper's numbers beside ours and the verdict.</summary>
public sealed record FindingSummary(string Finding, string Paper, Verdict Ours);

/// <summary>
/// The six findings computed from the committed sweep results (the plans in <c>notebooks/sweeps</c>): which rows
/// each finding reads is written here once, for the scaling notebook and the summary in <c>docs/sweeps.md</c>
/// (<c>vitok sweep --summary</c>).
/// </summary>
public sealed class ScalingFindings
{
    /// <summary>The base tokenizer of the width findings (p 8, c 16, both parts 192 wide) and the run with twice its E.</summary>
    public const string BaseRun = "p8-c16", DoubledERun = "p8-c32";

    /// <summary>The plain MSE run and the run with the most perceptual and GAN weight (finding 5).</summary>
    public const string PlainLossRun = "loss-pw0", StrongestLossRun = "loss-pw1-gan0.2";

    public SweepResults FashionMnist { get; }
    public SweepResults Photos { get; }
    public SweepResults Video { get; }

    public ScalingFindings(SweepResults fashionMnist, SweepResults photos, SweepResults video)
    {
        FashionMnist = fashionMnist; Photos = photos; Video = video;
    }

    /// <summary>Reads the three result files of <paramref name="folder"/> (absent files have no rows).</summary>
    public static ScalingFindings Load(string folder) => new(
        SweepResults.Load(Path.Combine(folder, "fmnist-scaling.results.jsonl")),
        SweepResults.Load(Path.Combine(folder, "photos-e-law.results.jsonl")),
        SweepResults.Load(Path.Combine(folder, "video-e-law.results.jsonl")));

    public JsonObject? Base => FashionMnist.Find(BaseRun);
    public JsonObject? DoubledE => FashionMnist.Find(DoubledERun);

    public List<JsonObject> ELawRows => ScalingAnalysis.ForFinding(FashionMnist, 1);
    public List<JsonObject> PhotoRows => ScalingAnalysis.ForFinding(Photos, 1);
    public List<JsonObject> ChannelRows => ScalingAnalysis.ForFinding(FashionMnist, 2);
    /// <summary>The encoder-width runs and the base run (encoder 192 wide), with their seed runs.</summary>
    public List<JsonObject> EncoderRows => WithBase(ScalingAnalysis.ForFinding(FashionMnist, 3));
    /// <summary>The decoder-width runs and the base run (decoder 192 wide), with their seed runs.</summary>
    public List<JsonObject> DecoderRows => WithBase(ScalingAnalysis.ForFinding(FashionMnist, 4));
    public List<JsonObject> LossRows => ScalingAnalysis.ForFinding(FashionMnist, 5);
    public List<JsonObject> ClipRows => ScalingAnalysis.ForFinding(Video, 6);

    public Verdict ELaw => ScalingAnalysis.ELaw(ELawRows);
    public Verdict PhotoELaw => ScalingAnalysis.ELaw(PhotoRows);
    public Verdict Channels => ScalingAnalysis.ChannelOptimum(ChannelRows);
    public Verdict Encoder => ScalingAnalysis.WidthAgainstDoublingE(EncoderRows, SeedRows(BaseRun), SeedRows(DoubledERun), decoder: false);
    public Verdict Decoder => ScalingAnalysis.WidthAgainstDoublingE(DecoderRows, SeedRows(BaseRun), SeedRows(DoubledERun), decoder: true);

    /// <summary>The Fashion-MNIST rows of one configuration: the run and its seed runs (NAME.s1, NAME.s2).</summary>
    List<JsonObject> SeedRows(string configuration) => FashionMnist.Rows.Where(r => ScalingAnalysis.Configuration(r) == configuration).ToList();
    public Verdict LossTradeOff => ScalingAnalysis.LossTradeOff(LossRows, PlainLossRun, StrongestLossRun);

    /// <summary>
    /// The decision rules (docs/sweeps.md) judge in units of the seed spread: a finding none of whose configurations
    /// has two seeds is inconclusive, whatever its single-seed rule says (kept in the sentence, marked as such).
    /// </summary>
    static Verdict WithoutSeeds(Verdict singleSeed, IReadOnlyList<JsonObject> rows) =>
        singleSeed.Outcome is Outcome.Pending or Outcome.Inconclusive || ScalingAnalysis.SeedSpread(rows) is not null ? singleSeed
            : new Verdict(Outcome.Inconclusive, $"{singleSeed.Sentence.TrimEnd('.')}. One seed per configuration, so no noise estimate; the single-seed rule said \"{singleSeed.OutcomeText}\".");
    /// <summary>The E law over tubelet depths q, and the E per frame each depth needs (<see cref="ScalingAnalysis.EPerFrame"/>).</summary>
    public Verdict VideoELaw
    {
        get
        {
            var law = ScalingAnalysis.ELaw(ClipRows, by: "q");
            return law.Outcome == Outcome.Pending || ScalingAnalysis.EPerFrame(ClipRows) is not { } perFrame ? law : law with { Sentence = law.Sentence.TrimEnd('.') + "; " + perFrame + "." };
        }
    }

    /// <summary>
    /// One line per finding (finding 1 twice: Fashion-MNIST and photos); the paper column is each finding's
    /// <c>summary</c> in <paramref name="paper"/> (<c>notebooks/sweeps/paper.json</c>), cited to its figure.
    /// </summary>
    public List<FindingSummary> Summary(JsonNode paper)
    {
        string Paper(int finding)
        {
            var f = paper["findings"]?[finding.ToString()] ?? throw new ArgumentException($"paper.json has no finding {finding}.");
            return (string?)f["summary"] ?? throw new ArgumentException($"paper.json: finding {finding} has no summary.");
        }
        return
        [
            new("1. E = L x c predicts reconstruction; patch size hardly matters at equal E (Fashion-MNIST 32x32)", Paper(1), ELaw),
            new("1. the same on natural images (64x64 photo crops)", Paper(1), PhotoELaw),
            new("2. generation has an optimum channel count", Paper(2), Channels),
            new("3. a wider encoder does not help", Paper(3), Encoder),
            new("4. a wider decoder helps less than doubling E", Paper(4), Decoder),
            new("5. perceptual and GAN weight trade PSNR for FD", Paper(5), LossTradeOff),
            new("6. video follows the E law", Paper(6), VideoELaw),
        ];
    }

    /// <summary>The summary as a Markdown table, with the span of the rows' dates and builds under it.</summary>
    public string SummaryMarkdown(JsonNode paper)
    {
        var text = new StringBuilder();
        text.Append("| finding | paper | ours | verdict |\n|---|---|---|---|\n");
        foreach (var line in Summary(paper))
            text.Append($"| {Cell(line.Finding)} | {Cell(line.Paper)} | {Cell(line.Ours.Sentence)} | {line.Ours.OutcomeText} |\n");
        var rows = FashionMnist.Rows.Concat(Photos.Rows).Concat(Video.Rows).ToList();
        var dates = rows.Select(r => (string?)r["date"]).OfType<string>().Select(d => d.Length >= 10 ? d[..10] : d).Order().ToList();
        var builds = rows.Select(r => (string?)r["vitok"]).OfType<string>().Select(ShortBuild).Distinct().Order().ToList();
        text.Append($"\n{rows.Count} rows ({FashionMnist.Rows.Count} Fashion-MNIST, {Photos.Rows.Count} photos, {Video.Rows.Count} video)");
        if (dates.Count > 0) text.Append($", measured {dates[0]}{(dates[^1] != dates[0] ? " to " + dates[^1] : "")}");
        if (builds.Count > 0) text.Append($" with vitok {string.Join(", ", builds)}");
        text.Append(".\n");
        return text.ToString();
    }

    /// <summary>"1.0.0+1d0e55c55c74..." as "1.0.0+1d0e55c".</summary>
    static string ShortBuild(string version) => version.IndexOf('+') is int plus and >= 0 && version.Length > plus + 8 ? version[..(plus + 8)] : version;

    static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");

    List<JsonObject> WithBase(List<JsonObject> rows) => [.. rows, .. SeedRows(BaseRun).Where(b => !rows.Contains(b))];
}
