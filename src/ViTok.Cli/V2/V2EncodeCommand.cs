using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using ViTok.Cli.Verbs;
using ViTok.Models.Runtime;
using ViTok.Models.TokenizerV2;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Cli.V2;

/// <summary>
/// `vitok encode` with a ViTok-v2 checkpoint folder: the latents of every image of a folder, at its native size,
/// into one safetensors file: a float32 tensor [tokens, c] per image named by its path relative to the folder, and
/// per image a metadata entry of the same name holding its grid and sizes as JSON (Python: safetensors.safe_open).
/// </summary>
static class V2EncodeCommand
{
    public static int Run(string modelFolder, string data, string output, int maxTokens, int batch, bool bf16, ComputeOptions compute, TextWriter o)
    {
        if (!output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--out: '{output}': with a ViTok-v2 model the latents (one [tokens, c] tensor per image, sizes differ) are written as .safetensors.");
        var files = V2Images.List("--data", data);
        var device = TorchRuntime.Resolve(compute);
        var clock = Stopwatch.StartNew();
        using var inference = new ViTokV2Inference(ViTokV2Checkpoint.Load(modelFolder, decoder: false), device, bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
        var config = inference.Config;
        // The variant of the whole checkpoint when its decoder is there too (only the encoder is loaded).
        string variant = ViTokV2Checkpoint.ReadConfig(modelFolder, decoder: File.Exists(Path.Combine(modelFolder, ViTokV2Checkpoint.DecoderFile))).Variant;
        o.WriteLine($"encoding {files.Count} images of {data} with ViTok-v2 {variant} (native size, at most {maxTokens} tokens) into {output}");

        var names = new List<string>();
        var latents = new List<V2Latent>();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["vitok.kind"] = "vitok-v2-latents",
            ["vitok.variant"] = variant,
            ["vitok.patch"] = config.Patch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["vitok.channels"] = config.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var chunk in files.Chunk(batch))
        {
            var sources = new List<(int Height, int Width)>();
            var images = chunk.Select(f =>
            {
                var (image, h, w) = V2Images.Load(f.Path, inference, maxTokens);
                sources.Add((h, w));
                return image;
            }).ToList();
            var encoded = inference.Encode(images, batch);
            for (int i = 0; i < chunk.Length; i++)
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
            o.WriteLine($"  {names.Count}/{files.Count} images, {names.Count / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):F1} images/s");
        }
        using (var scope = NewDisposeScope())
        {
            var tensors = names.Select((n, i) => (n, tensor(latents[i].Values, [latents[i].Grid.Count, config.Channels]))).ToList();
            SafeTensorsFile.Write(output, tensors, metadata);
        }
        o.WriteLine($"wrote {files.Count} latents [tokens, {config.Channels}] to {output} in {clock.Elapsed.TotalSeconds:F1} s");
        return VitokApp.Success;
    }
}
