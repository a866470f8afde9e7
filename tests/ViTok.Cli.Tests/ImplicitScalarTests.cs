using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace ViTok.Cli.Tests;

/// <summary>
/// No implicit conversion to <c>TorchSharp.Scalar</c> in src/ (house rule; issue 12): such a temporary Scalar is
/// unreachable while libtorch reads it, so a collection on another thread can finalize it mid-call. The sources of
/// ViTok.Models, ViTok.MLNet and ViTok.Cli are compiled here with their references (the assemblies beside this test)
/// and every implicit user-defined conversion to Scalar (from double, float, int, long, bool, ...) is listed.
/// </summary>
[TestClass]
public sealed class ImplicitScalarTests
{
    static readonly string[] Projects = ["ViTok.Models", "ViTok.MLNet", "ViTok.Cli"];

    [TestMethod]
    public void Src_has_no_implicit_conversion_to_Scalar()
    {
        string root = RepositoryRoot();
        var hits = new List<string>();
        foreach (string project in Projects)
        {
            string folder = Path.Combine(root, "src", project);
            var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(f => !IsBuildOutput(Path.GetRelativePath(folder, f)))
                .ToList();
            Assert.IsTrue(files.Count > 10, $"{folder}: only {files.Count} sources found");
            var compilation = Compile(AssemblyName(project), files.Select(f => (Path.GetRelativePath(root, f), File.ReadAllText(f))));
            hits.AddRange(ImplicitScalars(compilation));
        }
        Assert.IsEmpty(hits, $"{hits.Count} implicit conversion(s) to TorchSharp.Scalar in src/ (hold the Scalar: `using var s = x.ToScalar()` or a static readonly field):\n" + string.Join("\n", hits));
    }

    [TestMethod]
    public void A_planted_implicit_Scalar_is_found_and_explicit_ones_are_not()
    {
        const string source = """
            using TorchSharp;
            using static TorchSharp.torch;
            static class Planted
            {
                static readonly Scalar Half = 0.5.ToScalar();
                static Tensor F(Tensor t, double p, float f, int n, bool b)
                {
                    var a = t * 0.5;
                    var c = 1 - t;
                    var d = t.pow(2);
                    var e = add(t, 1.0);
                    var g = t.lt(p).to(t.dtype).mul(f);
                    var h = t.masked_fill(t.gt(Half), b);
                    Scalar s = n;
                    using var held = p.ToScalar();
                    return a + c + d + e + g + h + t.mul(held).mul(Half) + t.add(s);
                }
            }
            """;
        var hits = ImplicitScalars(Compile("ViTok.Planted", [("Planted.cs", source)])).ToList();
        var lines = hits.Select(h => int.Parse(h.Split(':')[1])).ToList();
        CollectionAssert.AreEquivalent(new[] { 8, 9, 10, 11, 12, 12, 13, 14 }, lines, string.Join("\n", hits));
        StringAssert.Contains(hits[0], "Planted.cs:8: 0.5 (double -> Scalar)");
    }

    /// <summary>Every implicit user-defined conversion to TorchSharp.Scalar, as "file:line: code (type -> Scalar)".</summary>
    static IEnumerable<string> ImplicitScalars(CSharpCompilation compilation)
    {
        var scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar");
        Assert.IsNotNull(scalar, "TorchSharp.Scalar is not among the references");
        var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        bool IsScalar(ITypeSymbol? t) => SymbolEqualityComparer.Default.Equals(t, scalar);
        bool IsTensor(ITypeSymbol? t) => SymbolEqualityComparer.Default.Equals(t, tensor);
        static bool IsNumber(ITypeSymbol t) => t.SpecialType is SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Int32
            or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Boolean;
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            var found = new SortedSet<(int Line, int Column, string Text)>();
            void Add(IOperation operand)
            {
                var at = operand.Syntax.GetLocation().GetLineSpan().StartLinePosition;
                found.Add((at.Line + 1, at.Character, $"{operand.Syntax} ({operand.Type?.ToDisplayString() ?? "?"} -> Scalar)"));
            }
            // An operand of a user-defined operator (the operation tree shows it unconverted): converted to a Scalar
            // parameter, or a number given to one of Tensor's number overloads (t * 0.5, 1 - t), which pass it on to
            // add/mul/... as an implicit Scalar inside TorchSharp.
            void Operand(IOperation operand, IMethodSymbol op, int index)
            {
                var parameter = op.Parameters[index].Type;
                if (IsScalar(operand.Type)) return;
                if (IsScalar(parameter) || IsTensor(op.ContainingType) && IsNumber(parameter)) Add(operand);
            }
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (model.GetOperation(node) is not { Parent: null } body) continue;     // the root operation of a member body or initializer
                foreach (var op in body.DescendantsAndSelf())
                {
                    switch (op)
                    {
                        case IConversionOperation { IsImplicit: true, Conversion.IsUserDefined: true } c when IsScalar(c.Type):
                            Add(c.Operand);
                            break;
                        case IBinaryOperation { OperatorMethod: { } m } b:
                            Operand(b.LeftOperand, m, 0);
                            Operand(b.RightOperand, m, 1);
                            break;
                        case ICompoundAssignmentOperation { OperatorMethod: { } m } a:
                            Operand(a.Value, m, 1);
                            break;
                        case IUnaryOperation { OperatorMethod: { } m } u:
                            Operand(u.Operand, m, 0);
                            break;
                    }
                }
            }
            foreach (var (line, _, text) in found) yield return $"{tree.FilePath}:{line}: {text}";
        }
    }

    /// <summary>Compiles the sources against the assemblies beside this test and the runtime's; fails on any compile error.</summary>
    static CSharpCompilation Compile(string assemblyName, IEnumerable<(string Path, string Text)> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)).ToList();
        trees.Add(CSharpSyntaxTree.ParseText(ImplicitUsings, parse, "ImplicitUsings.g.cs"));
        var kind = assemblyName == "vitok" ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
        var compilation = CSharpCompilation.Create(assemblyName, trees, References(assemblyName),
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        // CS8795: a [GeneratedRegex] partial method, whose body a source generator writes in the real build.
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").ToList();
        Assert.IsEmpty(errors, $"{assemblyName} does not compile here, so the scan would be incomplete:\n" + string.Join("\n", errors.Take(20)));
        return compilation;
    }

    static List<MetadataReference> References(string assemblyName)
    {
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var beside = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll");
        return platform.Concat(beside)
            .Where(p => !string.Equals(Path.GetFileNameWithoutExtension(p), assemblyName, StringComparison.OrdinalIgnoreCase))
            .Where(IsManaged)
            .GroupBy(p => Path.GetFileName(p), StringComparer.OrdinalIgnoreCase).Select(g => g.First())
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    }

    static bool IsManaged(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            return pe.HasMetadata;
        }
        catch (BadImageFormatException) { return false; }
    }

    /// <summary>The SDK's implicit usings (ImplicitUsings=enable in Directory.Build.props).</summary>
    const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    static string AssemblyName(string project) => project == "ViTok.Cli" ? "vitok" : project;

    static bool IsBuildOutput(string relative) =>
        relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ViTok.MLNet.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No ViTok.MLNet.sln above {AppContext.BaseDirectory}.");
    }
}
