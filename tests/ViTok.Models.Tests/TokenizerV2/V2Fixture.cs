using System.Text.Json;
using TorchSharp;
using ViTok.Models.TokenizerV2;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.TokenizerV2;

/// <summary>A parity fixture written by the reference's code (make_fixture.py), copied under tests/Fixtures/vitok-v2.</summary>
sealed class V2Fixture
{
    public string Folder { get; }
    public string Variant { get; }
    public IReadOnlyList<(int Height, int Width, int Rows, int Cols)> Items { get; }
    public SafeTensorsFile Io { get; }

    V2Fixture(string folder)
    {
        Folder = folder;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "fixture.json")));
        Variant = doc.RootElement.GetProperty("variant").GetString()!;
        Items = doc.RootElement.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("height").GetInt32(), i.GetProperty("width").GetInt32(), i.GetProperty("grid_rows").GetInt32(), i.GetProperty("grid_cols").GetInt32()))
            .ToList();
        Io = SafeTensorsFile.Open(Path.Combine(folder, "io.safetensors"));
    }

    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures", "vitok-v2");

    public static V2Fixture Open(string name) => new(Path.Combine(Root, name));

    /// <summary>Every fixture folder shipped with the tests.</summary>
    public static IEnumerable<string> Names => Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "fixture.json"))).Select(Path.GetFileName).OfType<string>();

    /// <summary>Asserts max |actual - expected| &lt;= 1e-4 x max |expected| (the fixture's stated tolerance).</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape");
        using var scope = NewDisposeScope();
        double scale = expected.abs().max().ToDouble();
        double diff = (actual.to(ScalarType.Float32) - expected).abs().max().ToDouble();
        Assert.IsTrue(diff <= 1e-4 * scale, $"{what}: max abs difference {diff:E3} exceeds 1e-4 x {scale:G4}");
    }
}
