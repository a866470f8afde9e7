using System.Text.RegularExpressions;

namespace ViTok.Cli.Tests;

/// <summary>
/// The layering of docs/architecture.md, checked on the sources' using directives: each assembly uses only the ones
/// below it (Cli -> MLNet -> Models), Models knows no ML.NET, and the pretrained-models package holds no code of ours.
/// </summary>
[TestClass]
public sealed class ArchitectureTests
{
    /// <summary>Per source folder under src/, the namespaces its files may not import.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Forbidden = new Dictionary<string, string[]>
    {
        ["ViTok.Models"] = ["Microsoft.ML", "ViTok.MLNet", "ViTok.Cli"],
        ["ViTok.MLNet"] = ["ViTok.Cli"],
        ["ViTok.Models.Pretrained"] = ["ViTok.Models", "ViTok.MLNet", "ViTok.Cli", "TorchSharp", "Microsoft.ML"],
    };

    static readonly Regex Using = new(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)", RegexOptions.Compiled | RegexOptions.Multiline);

    /// <summary>The forbidden imports in <paramref name="source"/> ("namespace (rule)"), for a file of <paramref name="assembly"/>.</summary>
    public static IEnumerable<string> Violations(string assembly, string source)
    {
        if (!Forbidden.TryGetValue(assembly, out var rules)) yield break;
        foreach (Match m in Using.Matches(source))
        {
            string ns = m.Groups[1].Value;
            foreach (var rule in rules)
                if (ns == rule || ns.StartsWith(rule + ".", StringComparison.Ordinal))
                    yield return $"{ns} (no {rule} in {assembly})";
        }
    }

    static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ViTok.MLNet.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("The repository root (ViTok.MLNet.sln) is not above the test's folder.");
    }

    [TestMethod]
    public void Each_assembly_imports_only_the_layers_below_it()
    {
        var problems = new List<string>();
        int files = 0;
        foreach (var assembly in Forbidden.Keys)
        {
            string folder = Path.Combine(Root(), "src", assembly);
            foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                         .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")))
            {
                files++;
                problems.AddRange(Violations(assembly, File.ReadAllText(file)).Select(v => $"{Path.GetRelativePath(Root(), file)}: {v}"));
            }
        }
        Assert.IsGreaterThan(100, files, "the sources were found");
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void A_forbidden_using_is_found_in_any_spelling()
    {
        Assert.IsEmpty(Violations("ViTok.Models", "using TorchSharp;\nusing ViTok.Models.Runtime;\n// using Microsoft.ML;\n"));   // a comment is no directive
        CollectionAssert.AreEqual(new[] { "Microsoft.ML.Data (no Microsoft.ML in ViTok.Models)" }, Violations("ViTok.Models", "using Microsoft.ML.Data;").ToArray());
        Assert.HasCount(1, Violations("ViTok.Models", "global using static ViTok.MLNet.ViTokCatalog;"));
        Assert.HasCount(1, Violations("ViTok.MLNet", "  using Cli = ViTok.Cli.Verbs;"));
        Assert.IsEmpty(Violations("ViTok.MLNet", "using ViTok.Models.Tokenizer;\nusing Microsoft.ML;"));
        Assert.IsEmpty(Violations("ViTok.Models", "using ViTok.MLNetExtras;"));   // a namespace that only starts with the same letters
    }
}
