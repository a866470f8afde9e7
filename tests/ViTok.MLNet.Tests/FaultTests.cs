using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;
using ViTok.MLNet.Tests.Contract;

namespace ViTok.MLNet.Tests;

/// <summary>
/// Bad values and faults in ML.NET use (issue 25): thread counts that would spawn thousands of threads, NaN and huge
/// pixels, a save that fails over an existing model, a zip entry that declares 2 GB.
/// </summary>
[TestClass]
public sealed class FaultTests
{
    static TestData _data = null!;

    [ClassInitialize]
    public static void Init(TestContext _) => _data = new TestData(perClass: 1);

    [ClassCleanup]
    public static void Cleanup() => _data.Dispose();

    static IDataView Pixels(MLContext ml, int rows, Action<int, float[]>? edit = null) => ContractInput.RandomPixels(ml, rows, seed: 2, edit);

    TokenizeImagesOptions Tokenize(int threads = 0) => new()
    {
        OutputColumnName = "Latent2", InputColumnName = "Pixels", TokenizerPath = _data.TokenizerPath, BatchSize = 4, Threads = threads,
    };

    [TestMethod]
    public void Threads_above_the_core_count_are_refused_at_fit_and_in_a_saved_model_unless_overridden()
    {
        var ml = new MLContext(seed: 1);
        var data = Pixels(ml, 2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.TokenizeImages(Tokenize(threads: 100000)).Fit(data));
        StringAssert.Contains(e.Message, "Threads = 100000");

        // A zip saved with Threads = 1, its manifest then edited to 100000 (as one saved on a big machine could say).
        string zip = Path.Combine(_data.Folder, "threads.zip");
        using (var model = ml.Transforms.TokenizeImages(Tokenize(threads: 1)).Fit(data)) ml.SaveWithViTok(model, data.Schema, zip);
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Update))
        {
            var entry = archive.Entries.Single(x => x.Name == "ViTok.json");
            string json;
            using (var r = new StreamReader(entry.Open())) json = r.ReadToEnd();
            entry.Delete();
            using var w = new StreamWriter(archive.CreateEntry(entry.FullName).Open());
            w.Write(json.Replace("\"Threads\": 1", "\"Threads\": 100000"));
        }
        var load = Assert.Throws<InvalidDataException>(() => ml.LoadWithViTok(zip, out _));
        StringAssert.Contains(load.Message, "threads.zip");
        StringAssert.Contains(load.Message, "Threads = 100000");
        var loaded = ml.LoadWithViTok(zip, out _, threads: 1);
        using var owned = loaded as IDisposable;
        Assert.HasCount(2, loaded.Transform(data).GetColumn<VBuffer<float>>("Latent2").ToArray());
    }

    [TestMethod]
    public void An_unavailable_device_is_explained_in_the_words_of_the_ml_net_api()
    {
        var ml = new MLContext(seed: 1);
        var options = Tokenize();
        options.Device = "cuda:99";   // no CUDA here; elsewhere, no machine has 100 GPUs: the same advice either way
        var e = Assert.Throws<Exception>(() => ml.Transforms.TokenizeImages(options).Fit(Pixels(ml, 1)));
        StringAssert.Contains(e.Message, "Device = \"cpu\"");
        StringAssert.Contains(e.Message, "MLContext.FallbackToCpu = true");
        using var fallback = new MLContext(seed: 1) { FallbackToCpu = true }.Transforms.TokenizeImages(options).Fit(Pixels(ml, 1));
    }

    [TestMethod]
    public void A_nan_or_infinite_pixel_is_refused_naming_column_and_row()
    {
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
        {
            var ml = new MLContext(seed: 1);
            var data = Pixels(ml, 6, (i, p) => { if (i == 5) p[17] = bad; });
            using var model = ml.Transforms.TokenizeImages(Tokenize()).Fit(data);
            var e = Assert.Throws<InvalidDataException>(() => model.Transform(data).GetColumn<VBuffer<float>>("Latent2").ToArray());
            StringAssert.Contains(e.Message, "Column 'Pixels', row 5");
            StringAssert.Contains(e.Message, "value 17");
        }
    }

    [TestMethod]
    public void A_huge_pixel_that_makes_the_latent_nan_is_an_error_naming_the_row_and_the_input_range()
    {
        var ml = new MLContext(seed: 1);
        var data = Pixels(ml, 6, (i, p) => { if (i == 2) p[0] = 1e30f; });
        using var model = ml.Transforms.TokenizeImages(Tokenize()).Fit(data);
        var e = Assert.Throws<InvalidDataException>(() => model.Transform(data).GetColumn<VBuffer<float>>("Latent2").ToArray());
        StringAssert.Contains(e.Message, "Column 'Latent2', row 2");
        StringAssert.Contains(e.Message, "range from");
    }

    [TestMethod]
    public void A_nan_latent_is_refused_by_the_decoder_naming_column_and_row()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 3).Select(i =>
            new ContractInput { Pixels = new float[3 * 32 * 32], Latent = Enumerable.Range(0, 64).Select(k => i == 1 && k == 3 ? float.NaN : 0.1f).ToArray() }).ToArray());
        using var model = ml.Transforms.DecodeLatents(new DecodeLatentsOptions
        {
            OutputColumnName = "Out", InputColumnName = "Latent", TokenizerPath = _data.TokenizerPath, Output = DecodedOutput.PixelVector,
        }).Fit(data);
        var e = Assert.Throws<InvalidDataException>(() => model.Transform(data).GetColumn<VBuffer<float>>("Out").ToArray());
        StringAssert.Contains(e.Message, "Column 'Latent', row 1");
    }

    [TestMethod]
    public void SaveWithViTok_leaves_the_old_model_whole_when_saving_fails_where_Model_Save_destroys_it()
    {
        var ml = new MLContext(seed: 1);
        var data = Pixels(ml, 2);
        string zip = Path.Combine(_data.Folder, "atomic.zip");
        using (var good = ml.Transforms.TokenizeImages(Tokenize()).Fit(data)) ml.SaveWithViTok(good, data.Schema, zip);
        var before = File.ReadAllBytes(zip);

        // A save that fails part-way: the tokenizer (and its weights) are written, then a custom mapping without a
        // contract name cannot be.
        using var tokenizer = ml.Transforms.TokenizeImages(Tokenize()).Fit(data);
        var broken = tokenizer.Append(ml.Transforms.CustomMapping<ContractInput, Doubled>((i, o) => o.Twice = i.Weight * 2, contractName: null).Fit(data));
        Assert.Throws<Exception>(() => ml.SaveWithViTok(broken, data.Schema, zip));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(zip), "the model file is unchanged");
        Assert.HasCount(1, Directory.GetFiles(_data.Folder, "*atomic*"), "no temporary file left behind");
        using (var loaded = ml.LoadWithViTok(zip, out _) as IDisposable) { }

        // What the documentation warns about: ML.NET's own Save truncates the file before it fails.
        Assert.Throws<Exception>(() => ml.Model.Save(broken, data.Schema, zip));
        Assert.AreNotEqual(before.Length, new FileInfo(zip).Length);
    }

    public sealed class Doubled
    {
        public float Twice { get; set; }
    }

    [TestMethod]
    public void A_zip_entry_that_declares_two_gigabytes_is_refused_before_allocating_naming_it()
    {
        var ml = new MLContext(seed: 1);
        var data = Pixels(ml, 2);
        string zip = Path.Combine(_data.Folder, "declared.zip");
        using (var model = ml.Transforms.TokenizeImages(Tokenize()).Fit(data)) ml.SaveWithViTok(model, data.Schema, zip);
        var bytes = File.ReadAllBytes(zip);
        // The central directory record of the weights entry: signature PK\x01\x02, uncompressed size at offset 24.
        var name = Encoding.ASCII.GetBytes("ViTok.safetensors");
        int patched = 0;
        for (int i = 0; i + 46 < bytes.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) != 0x02014b50) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 28));
            if (!bytes.AsSpan(i + 46, nameLength).EndsWith(name)) continue;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 24), 0x7FFFFFF0);
            patched++;
        }
        Assert.AreEqual(1, patched);
        File.WriteAllBytes(zip, bytes);
        var e = Assert.Throws<InvalidDataException>(() => ml.LoadWithViTok(zip, out _));
        StringAssert.Contains(e.Message, "declared.zip");
        StringAssert.Contains(e.Message, "ViTok.safetensors");
        StringAssert.Contains(e.Message, "declares");
    }
}
