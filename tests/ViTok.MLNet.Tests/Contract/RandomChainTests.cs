using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;

namespace ViTok.MLNet.Tests.Contract;

/// <summary>
/// Randomised chains of two and three ViTok components (tokenize from an image or a pixel vector, decode to a pixel
/// vector or an image, tokenize the decoded output again) with random batch sizes (1-40) over row counts that are not
/// multiples of them, after a prefix that gives a pass-through column of every kind (text, scalar, int, key, vector,
/// image). Every output is compared row by row with the row-at-a-time reference (the chain's row-to-row mapper, one
/// input row at a time): cursors over random subsets of columns, <c>Preview()</c>, two parallel cursors, and the
/// chain saved and loaded again. Seeded, so a failure names the trial that reproduces it.
/// </summary>
[TestClass]
public sealed class RandomChainTests
{
    static TestData _sameSize = null!, _larger = null!;

    [ClassInitialize]
    public static void Init(TestContext _)
    {
        _sameSize = new TestData(perClass: 20, imageSize: 32);   // ResizeImages hands these through unchanged
        _larger = new TestData(perClass: 20, imageSize: 40);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        _sameSize.Dispose();
        _larger.Dispose();
    }

    /// <summary>One component of a chain, as the test drew it.</summary>
    sealed record Step(string Kind, string Input, string Output, int BatchSize)
    {
        public override string ToString() => $"{Kind}({Input} -> {Output}, batch {BatchSize})";
    }

    /// <summary>The tiny ViTok-v2 checkpoint (a native-resolution tokenizer).</summary>
    static string NativeTokenizer => Path.Combine(AppContext.BaseDirectory, "Fixtures", "vitok-v2", "tiny");

    /// <param name="native">A native-resolution tokenizer's chain: it also reads images of unknown size ("Raw", as
    /// LoadImages gives them), and its decoded pixel vectors (one length per image) are not read again.</param>
    static List<Step> DrawChain(Random rng, bool native = false)
    {
        var images = native ? new List<string> { "Image", "Pixels", "Raw" } : new List<string> { "Image", "Pixels" };   // columns a tokenizer can read
        var latents = new List<string>();
        var steps = new List<Step>();
        int length = rng.Next(2, 4);
        for (int k = 0; k < length; k++)
        {
            int batch = rng.Next(1, 41);
            if (latents.Count > 0 && rng.Next(2) == 0)
            {
                bool asImage = rng.Next(2) == 0;
                string output = $"Decoded{k}";
                steps.Add(new Step(asImage ? "DecodeImage" : "DecodeVector", latents[rng.Next(latents.Count)], output, batch));
                if (asImage || !native) images.Add(output);
            }
            else
            {
                string output = $"Latent{k}";
                steps.Add(new Step("Tokenize", images[rng.Next(images.Count)], output, batch));
                latents.Add(output);
            }
        }
        return steps;
    }

    static IEstimator<ITransformer> Build(MLContext ml, TestData data, IEnumerable<Step> steps, string? tokenizer = null)
    {
        tokenizer ??= data.TokenizerPath;
        IEstimator<ITransformer> chain = ml.Transforms.LoadImages("Raw", data.Folder, nameof(ContractRow.Path))
            .Append(ml.Transforms.LoadImages("Image", data.Folder, nameof(ContractRow.Path)))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", nameof(ContractRow.Label)));
        foreach (var step in steps)
            chain = chain.Append(step.Kind switch
            {
                "Tokenize" => (IEstimator<ITransformer>)ml.Transforms.TokenizeImages(new TokenizeImagesOptions
                {
                    OutputColumnName = step.Output, InputColumnName = step.Input, TokenizerPath = tokenizer, BatchSize = step.BatchSize,
                }),
                _ => ml.Transforms.DecodeLatents(new DecodeLatentsOptions
                {
                    OutputColumnName = step.Output, InputColumnName = step.Input, TokenizerPath = tokenizer, BatchSize = step.BatchSize,
                    Output = step.Kind == "DecodeImage" ? DecodedOutput.Image : DecodedOutput.PixelVector,
                }),
            });
        return chain;
    }

    static List<ContractRow> Rows(TestData data, Random rng, int count)
    {
        var rows = new List<ContractRow>();
        for (int i = 0; i < count; i++)
        {
            var source = data.Rows[rng.Next(data.Rows.Count)];
            rows.Add(new ContractRow
            {
                Path = source.Path, Label = source.Label, Weight = (float)rng.NextDouble(), Index = i,
                Extra = Enumerable.Range(0, 5).Select(_ => (float)rng.NextDouble() * 100).ToArray(),
            });
        }
        return rows;
    }

    [TestMethod]
    [DataRow(1)] [DataRow(2)] [DataRow(3)] [DataRow(4)] [DataRow(5)] [DataRow(6)]
    public void A_random_chain_matches_the_row_at_a_time_reference(int trial) => RandomChain(trial, native: false);

    /// <summary>The same for the ViTok-v2 family: fixed-size and native-size latents with their grid columns.</summary>
    [TestMethod]
    [DataRow(1)] [DataRow(2)] [DataRow(3)] [DataRow(4)]
    public void A_random_chain_of_a_native_resolution_tokenizer_matches_the_row_at_a_time_reference(int trial) => RandomChain(trial, native: true);

    static void RandomChain(int trial, bool native)
    {
        var rng = new Random((native ? 2000 : 1000) + trial);
        var data = rng.Next(2) == 0 ? _sameSize : _larger;
        var steps = DrawChain(rng, native);
        if (native && trial % 2 == 1) steps[0] = steps[0] with { Input = "Raw" };   // half the trials start at native size
        int count = rng.Next(9, 61);
        if (steps.All(s => count % s.BatchSize == 0)) count++;
        string what = $"{(native ? "native-resolution " : "")}trial {trial} ({count} rows, {(data == _sameSize ? "32" : "40")} px): {string.Join(" | ", steps)}";

        var ml = new MLContext(seed: 1);
        var input = ml.Data.LoadFromEnumerable(Rows(data, rng, count));
        var model = Build(ml, data, steps, native ? NativeTokenizer : null).Fit(input);
        try
        {
            var output = model.Transform(input);
            var reference = RowValues.RowAtATime(model, input);
            var all = output.Schema.ToArray();

            // Every column at once, then random subsets of columns (each with at least one column).
            RowValues.AssertSame(reference, RowValues.Read(output, all), all, $"{what}, all columns");
            for (int s = 0; s < 4; s++)
            {
                var subset = all.Where(_ => rng.Next(2) == 0).ToArray();
                if (subset.Length == 0) subset = [all[rng.Next(all.Length)]];
                RowValues.AssertSame(reference, RowValues.Read(output, subset), subset, $"{what}, columns {string.Join(",", subset.Select(c => c.Index))}");
            }

            // Preview reads every column through one cursor.
            var preview = output.Preview(maxRows: count);
            Assert.HasCount(count, preview.RowView, what);
            int latentIndex = output.Schema[steps[^1].Output].Index;
            for (int r = 0; r < count; r++)
            {
                Assert.AreEqual(((ReadOnlyMemory<char>)preview.RowView[r].Values[0].Value).ToString(), (string)reference[r][0]!, $"{what}: preview row {r} path");
                if (preview.RowView[r].Values[latentIndex].Value is VBuffer<float> v)
                    Assert.IsNull(RowValues.Difference(reference[r][latentIndex], v.DenseValues().ToArray()), $"{what}: preview row {r}");
            }

            // Two cursors at once on two threads.
            var parallel = new[] { 0, 1 }.AsParallel().WithDegreeOfParallelism(2).Select(_ => RowValues.Read(output, all)).ToArray();
            foreach (var rows in parallel) RowValues.AssertSame(reference, rows, all, $"{what}, parallel cursor");

            // Saved and loaded again: the same values.
            string zip = Path.Combine(data.Folder, $"chain-{(native ? "native-" : "")}{trial}.zip");
            ml.Model.Save(model, input.Schema, zip);
            var loaded = ml.LoadWithViTok(zip, out _);
            try
            {
                RowValues.AssertSame(reference, RowValues.Read(loaded.Transform(input), all), all, $"{what}, reloaded");
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The case that was reported: TokenizeImages with BatchSize 8, then DecodeLatents with 32, over 108 rows. The
    /// pixel vector passed through both came back holding other rows' values (the second cursor kept arrays the
    /// first one refilled).
    /// </summary>
    [TestMethod]
    public void A_vector_passed_through_a_smaller_batch_then_a_larger_one_stays_with_its_row()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(_larger, new Random(4), 108);
        var input = ml.Data.LoadFromEnumerable(rows);
        var model = Build(ml, _larger, [new Step("Tokenize", "Image", "Latent", 8), new Step("DecodeVector", "Latent", "Decoded", 32)]).Fit(input);
        using var _ = model as IDisposable;
        var output = model.Transform(input);
        var extra = output.GetColumn<VBuffer<float>>(nameof(ContractRow.Extra)).Select(v => v.DenseValues().ToArray()).ToArray();
        var pixels = output.GetColumn<VBuffer<float>>("Pixels").Select(v => v.DenseValues().ToArray()).ToArray();
        var alone = ml.Transforms.LoadImages("Image", _larger.Folder, nameof(ContractRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32)).Append(ml.Transforms.ExtractPixels("Pixels", "Image")).Fit(input).Transform(input)
            .GetColumn<VBuffer<float>>("Pixels").Select(v => v.DenseValues().ToArray()).ToArray();
        for (int r = 0; r < rows.Count; r++)
        {
            CollectionAssert.AreEqual(rows[r].Extra, extra[r], $"row {r}: Extra");
            CollectionAssert.AreEqual(alone[r], pixels[r], $"row {r}: Pixels");
        }
    }
}
