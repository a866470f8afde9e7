using ViTok.Models.Tokenizer;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using ViTok.MLNet;
using ViTok.MLNet.DataViews;
using ViTok.MLNet.Tokenize;
using TorchSharp;
using ViTok.Cli.Verbs;
using ViTok.Models.Runtime;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Cli.NativeSize;

/// <summary>
/// `vitok encode` with a native-resolution tokenizer (a ViTok-v2 checkpoint folder): the latents of every image of a folder, at its native size,
/// into one safetensors file: a float32 tensor [tokens, c] per image named by its path relative to the folder, and
/// per image a metadata entry of the same name holding its grid and sizes as JSON (Python: safetensors.safe_open).
/// </summary>
static class NativeSizeEncodeCommand
{
    public static int Run(string modelFolder, string data, string output, int maxTokens, int batch, bool bf16, ComputeOptions compute, TextWriter o,
        bool skipBad, Func<string, Stream>? openOutput, CancellationToken cancel)
    {
        string format = Path.GetExtension(output).ToLowerInvariant();
        if (format is not (".safetensors" or ".idv" or ".parquet"))
            throw new UsageException($"--out: '{output}' must end in .safetensors (one [tokens, c] tensor per image), .idv (ML.NET binary) or .parquet.");
        var skipped = new List<string>();
        var files = NativeSizeImages.List("--data", data, skipBad ? skipped : null);
        if (format != ".safetensors")
            return RunTable(modelFolder, data, NativeSizeImages.Readable(files, "--data", skipBad, skipped), skipped, output, format, maxTokens, batch, bf16, compute, o, openOutput, cancel);
        var device = TorchRuntime.Resolve(compute);
        var clock = Stopwatch.StartNew();
        using var inference = TokenizerFiles.Open(modelFolder, encoder: true, decoder: false, device, bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
        var config = inference.Shape;
        // The variant of the whole checkpoint when its decoder is there too (only the encoder is loaded).
        string variant = TokenizerFiles.ReadShape(modelFolder).Variant;
        o.WriteLine($"encoding {files.Count} images of {data} with ViTok-v2 {variant} (native size, at most {maxTokens} tokens) into {output}");

        var names = new List<string>();
        var latents = new List<TokenizerLatent>();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["vitok.kind"] = "vitok-v2-latents",
            ["vitok.variant"] = variant,
            ["vitok.patch"] = config.Patch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["vitok.channels"] = config.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var group in files.Chunk(batch))
        {
            cancel.ThrowIfCancellationRequested();
            var chunk = NativeSizeImages.LoadReadable(group, inference, maxTokens, "--data", skipBad, skipped);
            if (chunk.Count == 0) continue;
            var sources = chunk.Select(c => (Height: c.SourceHeight, Width: c.SourceWidth)).ToList();
            var encoded = inference.Encode(chunk.Select(c => c.Image).ToList(), batch);
            for (int i = 0; i < chunk.Count; i++)
            {
                var l = encoded[i];
                names.Add(chunk[i].Name);
                latents.Add(l);
                metadata[chunk[i].Name] = JsonSerializer.Serialize(new Dictionary<string, int>
                {
                    ["rows"] = l.Grid.Rows, ["cols"] = l.Grid.Cols, ["height"] = l.Height, ["width"] = l.Width,
                    ["source_height"] = sources[i].Height, ["source_width"] = sources[i].Width,
                });
            }
            o.WriteLine($"  {names.Count + skipped.Count}/{files.Count} images, {names.Count / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F1} images/s");
        }
        if (names.Count == 0) throw new InvalidDataException($"--data: none of the {files.Count} images of '{data}' could be read (the first: {skipped[0]}).");
        using (var scope = NewDisposeScope())
        {
            var tensors = names.Select((n, i) => (n, tensor(latents[i].Values, [latents[i].Grid.Count, config.Channels]))).ToList();
            SafeTensorsFile.Write(output, tensors, metadata);
        }
        SkippedFiles.Report(o, skipped);
        o.WriteLine($"wrote {names.Count} latents [tokens, {config.Channels}] to {output} in {clock.Elapsed.TotalSeconds:F1} s");
        return VitokApp.Success;
    }

    /// <summary>One row per image (Origin = relative name, Latent = tokens x c floats, LatentRows/Cols/Height/Width) as
    /// ML.NET binary or Parquet, through the ML.NET native-size tokenizer.</summary>
    static int RunTable(string modelFolder, string data, IReadOnlyList<(string Name, string Path)> files, IReadOnlyList<string> skipped, string output, string format,
        int maxTokens, int batch, bool bf16, ComputeOptions compute, TextWriter o, Func<string, Stream>? openOutput, CancellationToken cancel)
    {
        if (files.Count == 0) throw new InvalidDataException($"--data: none of the images of '{data}' could be read (the first: {skipped[0]}).");
        var clock = Stopwatch.StartNew();
        var ml = new MLContext(seed: 0);
        var rows = ml.Data.LoadFromEnumerable(files.Select(f => new ImageFileRow { Origin = f.Name, Path = f.Path }));
        var latents = ml.Transforms.LoadImages("Image", null, nameof(ImageFileRow.Path))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = modelFolder, MaxTokens = maxTokens, BatchSize = batch,
                Precision = bf16 ? InferencePrecision.BFloat16 : InferencePrecision.Float32, Device = compute.Device, Threads = compute.Threads,
            }))
            .Append(ml.Transforms.SelectColumns(["Origin", "Latent", .. V2ColumnNames]))
            .Fit(rows).Transform(rows);
        o.WriteLine($"encoding {files.Count} images of {data} with ViTok-v2 (native size, at most {maxTokens} tokens) into {output}");
        LatentFile.Write(ml, latents, output, openOutput, cancel);
        SkippedFiles.Report(o, skipped);
        o.WriteLine($"wrote {files.Count} rows (Origin, Latent, {string.Join(", ", V2ColumnNames)}) to {output} in {clock.Elapsed.TotalSeconds:F1} s");
        return VitokApp.Success;
    }

    static readonly string[] V2ColumnNames = ["LatentRows", "LatentCols", "LatentHeight", "LatentWidth"];

    sealed class ImageFileRow
    {
        public string Origin { get; set; } = "";
        public string Path { get; set; } = "";
    }
}
