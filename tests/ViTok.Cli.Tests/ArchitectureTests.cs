using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ViTok.Cli.Tests;

/// <summary>
/// The layering of docs/architecture.md, checked on the sources' using directives and the projects' references: each
/// assembly uses only the ones below it (Models, Data, Evaluation, Training, then MLNet and Experiments side by side
/// on Training, Cli on top; Extensions.AI on Data), nothing but MLNet and Cli knows ML.NET, the models need no
/// package but TorchSharp, and the pretrained-models package holds no code of ours.
/// </summary>
[TestClass]
public sealed class ArchitectureTests
{
    // The namespaces of each assembly above the models (the namespaces kept their ViTok.Models.* names when the
    // folders moved out of ViTok.Models), and the packages only those assemblies bring.
    static readonly string[] DataNamespaces = ["ViTok.Models.Clips", "SixLabors", "FFMpegCore", "ParquetSharp"];
    static readonly string[] EvaluationNamespaces = ["ViTok.Models.Metrics", "ViTok.Models.Onnx", "ViTok.Models.Baselines", "Google.Protobuf"];
    static readonly string[] TrainingNamespaces = ["ViTok.Models.Training", "ViTok.Models.Losses", "ViTok.Models.Recipes"];
    static readonly string[] ExperimentsNamespaces = ["ViTok.Models.Experiments", "ViTok.Models.Benchmarks"];
    static readonly string[] Surfaces = ["Microsoft.ML", "ViTok.MLNet", "ViTok.Cli"];

    /// <summary>Per source folder under src/, the namespaces its files may not import.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Forbidden = new Dictionary<string, string[]>
    {
        ["ViTok.Models"] = [.. Surfaces, .. DataNamespaces, .. EvaluationNamespaces, .. TrainingNamespaces, .. ExperimentsNamespaces],
        ["ViTok.Data"] = [.. Surfaces, .. EvaluationNamespaces, .. TrainingNamespaces, .. ExperimentsNamespaces],
        ["ViTok.Evaluation"] = [.. Surfaces, .. TrainingNamespaces, .. ExperimentsNamespaces],
        ["ViTok.Training"] = [.. Surfaces, .. ExperimentsNamespaces],
        ["ViTok.Experiments"] = Surfaces,
        ["ViTok.Extensions.AI"] = [.. Surfaces, .. EvaluationNamespaces, .. TrainingNamespaces, .. ExperimentsNamespaces],
        ["ViTok.MLNet"] = ["ViTok.Cli", .. ExperimentsNamespaces],
        ["ViTok.Models.Pretrained"] = ["ViTok.Models", "ViTok.MLNet", "ViTok.Cli", "TorchSharp", "Microsoft.ML"],
    };

    /// <summary>
    /// Per library assembly without ML.NET, everything its project may reference: packages by id, projects by name.
    /// This is what a user who installs it gets besides the layers below: the models need TorchSharp only.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> References = new Dictionary<string, string[]>
    {
        ["ViTok.Models"] = ["TorchSharp-cpu", "TorchSharp-cuda-linux"],
        ["ViTok.Data"] = ["ViTok.Models", "SixLabors.ImageSharp", "FFMpegCore", "ParquetSharp"],
        // The ResNet18 package gives only its ONNX files and pins OnnxRuntime.Managed; both have no assets (PrivateAssets).
        ["ViTok.Evaluation"] = ["ViTok.Data", "SixLabors.ImageSharp", "Google.Protobuf", "Microsoft.ML.DnnImageFeaturizer.ResNet18", "Microsoft.ML.OnnxRuntime.Managed"],
        ["ViTok.Training"] = ["ViTok.Evaluation"],
        ["ViTok.Experiments"] = ["ViTok.Training"],
        ["ViTok.Extensions.AI"] = ["ViTok.Data", "Microsoft.Extensions.AI.Abstractions"],
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

    /// <summary>The package and project references of <paramref name="project"/> (a .csproj's XML) that
    /// <see cref="References"/> does not allow <paramref name="assembly"/>, whatever their conditions.</summary>
    public static IEnumerable<string> ReferenceViolations(string assembly, string project)
    {
        var allowed = References[assembly];
        foreach (var item in XDocument.Parse(project).Descendants().Where(e => e.Name.LocalName is "PackageReference" or "ProjectReference"))
        {
            string? include = item.Attribute("Include")?.Value;
            if (include is null) continue;   // an Update or Remove item adds nothing
            string name = item.Name.LocalName == "ProjectReference" ? Path.GetFileNameWithoutExtension(include.Replace('\\', '/')) : include;
            if (!allowed.Contains(name, StringComparer.OrdinalIgnoreCase))
                yield return $"{item.Name.LocalName} {name} ({assembly} may reference only {string.Join(", ", allowed)})";
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
            var sources = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
                .ToList();
            Assert.IsNotEmpty(sources, $"no sources in {folder}");
            files += sources.Count;
            foreach (var file in sources)
                problems.AddRange(Violations(assembly, File.ReadAllText(file)).Select(v => $"{Path.GetRelativePath(Root(), file)}: {v}"));
        }
        Assert.IsGreaterThan(100, files, "the sources were found");
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void Each_library_references_only_its_packages_and_the_layer_below()
    {
        var problems = new List<string>();
        foreach (var assembly in References.Keys)
        {
            string project = File.ReadAllText(Path.Combine(Root(), "src", assembly, assembly + ".csproj"));
            problems.AddRange(ReferenceViolations(assembly, project).Select(v => $"src/{assembly}/{assembly}.csproj: {v}"));
        }
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void A_forbidden_using_is_found_in_any_spelling()
    {
        Assert.IsEmpty(Violations("ViTok.Models", "using TorchSharp;\nusing ViTok.Models.Runtime;\n// using Microsoft.ML;\n"));   // a comment is no directive
        CollectionAssert.AreEqual(new[] { "Microsoft.ML.Data (no Microsoft.ML in ViTok.Models)" }, Violations("ViTok.Models", "using Microsoft.ML.Data;").ToArray());
        Assert.HasCount(1, Violations("ViTok.Models", "global using static ViTok.MLNet.ViTokCatalog;"));
        Assert.HasCount(1, Violations("ViTok.MLNet", "  using Cli = ViTok.Cli.Verbs;"));
        Assert.IsEmpty(Violations("ViTok.MLNet", "using ViTok.Models.Tokenizer;\nusing ViTok.Models.Recipes;\nusing Microsoft.ML;"));
        Assert.IsEmpty(Violations("ViTok.Models", "using ViTok.MLNetExtras;"));   // a namespace that only starts with the same letters
        // The models import nothing of the data sources, evaluation, training or experiments, nor their packages.
        CollectionAssert.AreEqual(new[] { "ViTok.Models.Clips (no ViTok.Models.Clips in ViTok.Models)" }, Violations("ViTok.Models", "using ViTok.Models.Clips;").ToArray());
        Assert.HasCount(6, Violations("ViTok.Models", "using ViTok.Models.Onnx.Ops;\nusing ViTok.Models.Recipes;\nusing static ViTok.Models.Training.TrainingOptions;\n" +
            "using ViTok.Models.Benchmarks;\nusing SixLabors.ImageSharp;\nusing Google.Protobuf;"));
        Assert.IsEmpty(Violations("ViTok.Models", "using ViTok.Models.ClipsExtra;"));
        // Each layer may use the ones below it, not the ones above.
        Assert.IsEmpty(Violations("ViTok.Data", "using ViTok.Models.Tokenizer;\nusing SixLabors.ImageSharp;\nusing ParquetSharp;"));
        Assert.HasCount(1, Violations("ViTok.Data", "using ViTok.Models.Metrics;"));
        Assert.IsEmpty(Violations("ViTok.Evaluation", "using ViTok.Models.Clips;\nusing Google.Protobuf;"));
        Assert.HasCount(1, Violations("ViTok.Evaluation", "using ViTok.Models.Recipes;"));
        Assert.IsEmpty(Violations("ViTok.Training", "using ViTok.Models.Onnx;\nusing ViTok.Models.Clips;"));
        Assert.HasCount(1, Violations("ViTok.Training", "using ViTok.Models.Experiments;"));
        Assert.HasCount(1, Violations("ViTok.Experiments", "using Microsoft.ML;"));
        Assert.HasCount(1, Violations("ViTok.MLNet", "using ViTok.Models.Benchmarks;"));
        Assert.IsEmpty(Violations("ViTok.Extensions.AI", "using Microsoft.Extensions.AI;\nusing ViTok.Models.Clips;\nusing ViTok.Models.Tokenizer;"));
        Assert.HasCount(2, Violations("ViTok.Extensions.AI", "using ViTok.Models.Onnx;\nusing Microsoft.ML;"));
    }

    [TestMethod]
    public void A_reference_outside_a_layers_list_is_found_under_any_condition()
    {
        const string core = """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup Condition="'$(TorchRuntime)' == 'cpu'"><PackageReference Include="TorchSharp-cpu" /></ItemGroup>
              <ItemGroup Condition="'$(TorchRuntime)' == 'cuda'">
                <PackageReference Include="TorchSharp-cuda-linux" />
                <PackageReference Include="SixLabors.ImageSharp" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="..\ViTok.Data\ViTok.Data.csproj" />
                <PackageReference Update="FFMpegCore" />
              </ItemGroup>
            </Project>
            """;
        CollectionAssert.AreEqual(new[]
        {
            "PackageReference SixLabors.ImageSharp (ViTok.Models may reference only TorchSharp-cpu, TorchSharp-cuda-linux)",
            "ProjectReference ViTok.Data (ViTok.Models may reference only TorchSharp-cpu, TorchSharp-cuda-linux)",
        }, ReferenceViolations("ViTok.Models", core).ToArray());
        const string data = """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <ProjectReference Include="..\ViTok.Models\ViTok.Models.csproj" />
                <PackageReference Include="ParquetSharp" />
                <PackageReference Include="Google.Protobuf" />
              </ItemGroup>
            </Project>
            """;
        CollectionAssert.AreEqual(new[] { "PackageReference Google.Protobuf (ViTok.Data may reference only ViTok.Models, SixLabors.ImageSharp, FFMpegCore, ParquetSharp)" },
            ReferenceViolations("ViTok.Data", data).ToArray());
    }
}
