using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace ViTok.Cli.Tests;

/// <summary>
/// No unheld TorchSharp.Scalar in src/ (house rule; issue 12): a temporary Scalar is unreachable while libtorch reads
/// it, so a collection on another thread can finalize it mid-call. The sources of ViTok.Models, ViTok.Data,
/// ViTok.Evaluation, ViTok.Training, ViTok.Experiments, ViTok.MLNet and ViTok.Cli are compiled here with their
/// references (the assemblies beside this test) and listed are: every implicit conversion to Scalar (from double,
/// float, int, long, bool...); every number given to Tensor's number operators (t * 0.5, 1 - t), which convert it
/// inside TorchSharp; and every call of a TorchSharp member that makes a Scalar it never disposes (found in
/// TorchSharp's IL, directly or through the members it calls: Tensor + Tensor and add(t) pass alpha 1 that way,
/// square() the exponent 2, arange(n) the start 0). Runtime/HeldScalars.cs has the held forms.
/// </summary>
[TestClass]
public sealed class ImplicitScalarTests
{
    static readonly string[] Projects = ["ViTok.Models", "ViTok.Data", "ViTok.Evaluation", "ViTok.Training", "ViTok.Experiments", "ViTok.MLNet", "ViTok.Cli"];

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
            Assert.IsNotEmpty(files, $"{folder}: no sources found");
            var compilation = Compile(AssemblyName(project), files.Select(f => (Path.GetRelativePath(root, f), File.ReadAllText(f))));
            hits.AddRange(ImplicitScalars(compilation));
        }
        Assert.IsEmpty(hits, $"{hits.Count} implicit conversion(s) to TorchSharp.Scalar in src/ (hold the Scalar: `using var s = x.ToScalar()` or a static readonly field):\n" + string.Join("\n", hits));
    }

    [TestMethod]
    public void A_planted_implicit_Scalar_is_found_and_held_ones_are_not()
    {
        const string source = """
            using TorchSharp;
            using static TorchSharp.torch;
            static class Planted
            {
                static readonly Scalar Half = 0.5.ToScalar(), One = 1.ToScalar();
                static Tensor F(Tensor t, double p, float f, int n, bool b)
                {
                    var a = t * 0.5;
                    var c = 1 - t;
                    var d = t.pow(2);
                    var e = add(t, 1.0);
                    var g = t.lt(p).to(t.dtype).mul(f);
                    var h = t.masked_fill(t.gt(Half), b);
                    Scalar s = n;
                    var sum = a + c;
                    var square = t.square();
                    var range = arange(One);
                    var plusHeld = t + Half;
                    using var held = p.ToScalar();
                    return t.mul(held).mul(Half).add(s, One).add(d, One).add(e, One).add(g, One).add(h, One).add(sum, One).add(square, One).add(range, One);
                }
            }
            """;
        var hits = ImplicitScalars(Compile("ViTok.Planted", [("Planted.cs", source)])).ToList();
        var lines = hits.Select(h => int.Parse(h.Split(':')[1])).Distinct().ToList();
        CollectionAssert.AreEquivalent(new[] { 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 }, lines, string.Join("\n", hits));
        CollectionAssert.Contains(hits, "Planted.cs:8: 0.5 (double -> Scalar)");
        CollectionAssert.Contains(hits, "Planted.cs:15: TorchSharp.torch.Tensor.operator +(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor) makes an unheld Scalar inside TorchSharp");
        CollectionAssert.Contains(hits, "Planted.cs:16: TorchSharp.torch.Tensor.square() makes an unheld Scalar inside TorchSharp");
    }

    static readonly HashSet<string> Unheld = UnheldInTorchSharp();

    /// <summary>
    /// TorchSharp members that make a Scalar from a number and never dispose it: directly (their IL calls
    /// Scalar.op_Implicit and not Scalar.Dispose) or through another such member they call (Tensor + Scalar calls
    /// add(Scalar), which passes alpha 1 as a new Scalar).
    /// </summary>
    static HashSet<string> UnheldInTorchSharp()
    {
        var asm = typeof(TorchSharp.Scalar).Assembly;
        System.Type[] types;
        try { types = asm.GetTypes(); } catch (System.Reflection.ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
        const System.Reflection.BindingFlags all = System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic |
            System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly;
        var calls = new Dictionary<System.Reflection.MethodBase, List<System.Reflection.MethodBase>>();
        var unheld = new HashSet<System.Reflection.MethodBase>();
        foreach (var t in types)
            foreach (var m in t.GetMethods(all).Cast<System.Reflection.MethodBase>().Concat(t.GetConstructors(all)))
            {
                byte[]? il;
                try { il = m.GetMethodBody()?.GetILAsByteArray(); } catch (Exception) { continue; }
                if (il is null) continue;
                bool converts = false, disposes = false;
                var callees = new List<System.Reflection.MethodBase>();
                for (int i = 0; i + 4 < il.Length; i++)
                    if (il[i] is 0x28 or 0x6F or 0x73)    // call, callvirt, newobj
                    {
                        System.Reflection.MethodBase? callee;
                        try { callee = m.Module.ResolveMethod(BitConverter.ToInt32(il, i + 1)); } catch (Exception) { continue; }
                        if (callee is null) continue;
                        if (callee.DeclaringType == typeof(TorchSharp.Scalar))
                        {
                            converts |= callee.Name == "op_Implicit";
                            disposes |= callee.Name == "Dispose";
                        }
                        else if (callee.Module == m.Module) callees.Add(callee);
                    }
                calls[m] = callees;
                if (converts && !disposes) unheld.Add(m);
            }
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (m, callees) in calls)
                if (!unheld.Contains(m) && callees.Any(unheld.Contains)) grew |= unheld.Add(m);
        }
        return unheld.Where(m => m is System.Reflection.MethodInfo)
            .Select(m => Key(m.DeclaringType!.FullName!.Replace('+', '.'), m.Name, m.GetParameters().Select(p => Simple(p.ParameterType))))
            .ToHashSet();

        static string Simple(System.Type t) => t.IsArray ? Simple(t.GetElementType()!) + "[]" : t.Name.Split('`')[0].TrimEnd('&');
    }

    static string Key(string type, string name, IEnumerable<string> parameters) => $"{type}.{name}({string.Join(",", parameters)})";

    static string Key(IMethodSymbol m)
    {
        static string Simple(ITypeSymbol t) => t is IArrayTypeSymbol a ? Simple(a.ElementType) + "[]" : t.Name;
        var d = m.OriginalDefinition;
        return Key(d.ContainingType.ToDisplayString(), d.Name, d.Parameters.Select(p => Simple(p.Type)));
    }

    /// <summary>Every implicit user-defined conversion to TorchSharp.Scalar, as "file:line: code (type -> Scalar)".</summary>
    static IEnumerable<string> ImplicitScalars(CSharpCompilation compilation)
    {
        var scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar");
        Assert.IsNotNull(scalar, "TorchSharp.Scalar is not among the references");
        var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        bool IsScalar(ITypeSymbol? t) => SymbolEqualityComparer.Default.Equals(t, scalar);
        // Tensor + Tensor is add(Tensor), which passes alpha 1 as an unheld Scalar.
        bool IsTensorPlus(IMethodSymbol m) => m.Name == "op_Addition" && m.Parameters.All(p => IsTensor(p.Type));
        bool IsTensor(ITypeSymbol? t) => SymbolEqualityComparer.Default.Equals(t, tensor);
        static bool IsNumber(ITypeSymbol t) => t.SpecialType is SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Int32
            or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Boolean;
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            var found = new SortedSet<(int Line, int Column, string Text)>();
            void AddCall(SyntaxNode syntax, IMethodSymbol method)
            {
                var at = syntax.GetLocation().GetLineSpan().StartLinePosition;
                found.Add((at.Line + 1, at.Character, $"{method.ToDisplayString()} makes an unheld Scalar inside TorchSharp"));
            }
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
                            int before = found.Count;
                            Operand(b.LeftOperand, m, 0);
                            Operand(b.RightOperand, m, 1);
                            if (found.Count == before && (IsTensorPlus(m) || Unheld.Contains(Key(m)))) AddCall(b.Syntax, m);
                            break;
                        case ICompoundAssignmentOperation { OperatorMethod: { } m } a:
                            Operand(a.Value, m, 1);
                            break;
                        case IUnaryOperation { OperatorMethod: { } m } u:
                            Operand(u.Operand, m, 0);
                            break;
                        case IInvocationOperation call when Unheld.Contains(Key(call.TargetMethod)):
                            AddCall(call.Syntax, call.TargetMethod);
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
