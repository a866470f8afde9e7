using System.Text.RegularExpressions;
using TorchSharp;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.TokenizerV2;

/// <summary>
/// A ViTok-v2 checkpoint folder as published (philippehansen/ViTok-v2-*): <c>encoder.safetensors</c> and/or
/// <c>decoder.safetensors</c> holding the reference's state-dict names. The configuration is read from the tensor
/// shapes (widths, depths, heads from the QK-norm size, patch from the patch embedding, channels, MLP width),
/// checked for consistency and named as the reference's variant string. F32, BF16 and F16 tensors load (converted
/// to fp32). Every missing, unexpected or mis-shaped tensor is named in the error; nothing is loaded unless all fit.
/// </summary>
public static class ViTokV2Checkpoint
{
    public const string EncoderFile = "encoder.safetensors", DecoderFile = "decoder.safetensors";
    static readonly Regex BlockIndex = new(@"^(encoder|decoder)_blocks\.(\d+)\.", RegexOptions.Compiled);

    /// <summary>True when <paramref name="path"/> is a folder holding at least one of the two files.</summary>
    public static bool IsCheckpointFolder(string path) =>
        Directory.Exists(path) && (File.Exists(Path.Combine(path, EncoderFile)) || File.Exists(Path.Combine(path, DecoderFile)));

    /// <summary>
    /// The file beside the halves that may declare the variant (the reference's AEConfig spelling):
    /// <c>{"variant": "Ld4-Ld24/1x16x64"}</c>. When present, the shapes must describe exactly that model.
    /// </summary>
    public const string ConfigFile = "config.json";

    /// <summary>The configuration of the checkpoint in <paramref name="folder"/>, from the file headers only.</summary>
    public static ViTokV2Config ReadConfig(string folder, bool encoder = true, bool decoder = true)
    {
        var (enc, dec) = Open(folder, encoder, decoder);
        var config = InferConfig(enc, dec);
        CheckComplete(config, DeclaredVariant(folder), (enc ?? dec)!.Path);
        return config;
    }

    /// <summary>The variant that <paramref name="folder"/>'s <see cref="ConfigFile"/> declares, or null when it has none.</summary>
    public static string? DeclaredVariant(string folder)
    {
        string path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("variant", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String
                ? v.GetString()
                : throw new InvalidDataException($"'{path}' has no \"variant\" string (expected {{\"variant\": \"Ld4-Ld24/1x16x64\"}}).");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses a checkpoint whose blocks do not add up. A block removed from the end of a stack leaves shapes that
    /// describe a shallower model, so the depth is checked against what the checkpoint should be: the variant its
    /// folder declares (<see cref="ConfigFile"/>), else the published checkpoint that every other shape matches
    /// (width, heads, patch, channels, MLP); a model of one's own with another depth declares it in config.json.
    /// </summary>
    public static void CheckComplete(ViTokV2Config inferred, string? declaredVariant, string where)
    {
        if (declaredVariant is not null)
        {
            ViTokV2Config declared;
            try { declared = ViTokV2Config.Parse(declaredVariant); }
            catch (ArgumentException e) { throw new InvalidDataException($"ViTok-v2 checkpoint '{where}': its {ConfigFile} declares an unreadable variant: {e.Message}", e); }
            var problems = new List<string>();
            if (declared.Patch != inferred.Patch || declared.Channels != inferred.Channels)
                problems.Add($"patch {inferred.Patch} and {inferred.Channels} channels, declared {declared.Patch} and {declared.Channels}");
            if (inferred.Encoder is { } e1 && declared.Encoder != e1) problems.Add(StackDifference("encoder", e1, declared.Encoder));
            if (inferred.Decoder is { } d1 && declared.Decoder != d1) problems.Add(StackDifference("decoder", d1, declared.Decoder));
            if (problems.Count > 0)
                throw new InvalidDataException($"ViTok-v2 checkpoint '{where}' does not hold the {declaredVariant} its {ConfigFile} declares: {string.Join("; ", problems)}.");
            return;
        }
        foreach (var name in ViTokV2Config.Published)
        {
            var published = ViTokV2Config.Parse(name);
            if (published.Patch != inferred.Patch || published.Channels != inferred.Channels || published.MlpFactor != inferred.MlpFactor) continue;
            foreach (var (side, mine, theirs) in new[] { ("encoder", inferred.Encoder, published.Encoder), ("decoder", inferred.Decoder, published.Decoder) })
                if (mine is not null && theirs is not null && mine.Width == theirs.Width && mine.Heads == theirs.Heads && mine.Depth < theirs.Depth)
                    throw new InvalidDataException($"ViTok-v2 checkpoint '{where}': the {side} has {mine.Depth} blocks where the published {name}, which every other " +
                        $"shape matches, has {theirs.Depth}: {side}_blocks.{mine.Depth} to {theirs.Depth - 1} are missing. If this is a model of your own with that depth, " +
                        $"declare it in {ConfigFile} beside the files: {{\"variant\": \"...\"}}.");
        }
    }

    static string StackDifference(string side, V2Stack found, V2Stack? declared) =>
        declared is null ? $"the {side} is not part of the declared variant"
            : $"the {side} has {found.Depth} blocks of width {found.Width} with {found.Heads} heads, declared {declared.Depth} of width {declared.Width} with {declared.Heads}";

    /// <summary>Builds the model the folder holds (both halves present by default) and loads its weights in eval mode.</summary>
    /// <param name="encoder">Load the encoder (requires encoder.safetensors).</param>
    /// <param name="decoder">Load the decoder (requires decoder.safetensors).</param>
    public static ViTokV2AutoEncoder Load(string folder, bool encoder = true, bool decoder = true, Device? device = null)
    {
        var (enc, dec) = Open(folder, encoder, decoder);
        return Load(enc, dec, device, DeclaredVariant(folder));
    }

    /// <summary>Builds the model that <paramref name="encoder"/> and/or <paramref name="decoder"/> (the published files,
    /// opened or held in memory) describe and loads their weights in eval mode. The depths are checked against
    /// <paramref name="declaredVariant"/> (a folder's config.json) or the published checkpoints (<see cref="CheckComplete"/>);
    /// every weight is checked for NaN and infinity.</summary>
    public static ViTokV2AutoEncoder Load(SafeTensorsFile? encoder, SafeTensorsFile? decoder, Device? device = null, string? declaredVariant = null)
    {
        var config = InferConfig(encoder, decoder);
        CheckComplete(config, declaredVariant, (encoder ?? decoder)!.Path);
        var model = new ViTokV2AutoEncoder(config);
        try
        {
            LoadWeights(model, encoder, decoder);
            if (device is not null && device.type != DeviceType.CPU) model.to(device);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="model"/> in the published layout: its encoder and decoder tensors, by the
    /// reference's names, in <paramref name="folder"/>/encoder.safetensors and decoder.safetensors, as <paramref name="dtype"/>.</summary>
    public static void Save(ViTokV2AutoEncoder model, string folder, ScalarType dtype = ScalarType.Float32)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"Checkpoint dtype {dtype} is not supported; use Float32, BFloat16 or Float16.", nameof(dtype));
        Directory.CreateDirectory(folder);
        var state = model.state_dict();
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        foreach (var (file, isEncoder) in new[] { (EncoderFile, true), (DecoderFile, false) })
        {
            var names = state.Keys.Where(k => IsEncoderName(k) == isEncoder).ToList();
            if (names.Count == 0) continue;
            // One converted copy at a time: the writer takes the tensors lazily, so a 350M model needs no second copy.
            SafeTensorsFile.Write(Path.Combine(folder, file), names.Select(n => (n, state[n])), metadata, dtype);
        }
    }

    /// <summary>Encoder tensors are everything but decoder_* and to_pixels.* (the reference's split).</summary>
    public static bool IsEncoderName(string name) => !(name.StartsWith("decoder_", StringComparison.Ordinal) || name.StartsWith("to_pixels", StringComparison.Ordinal));

    static (SafeTensorsFile? Encoder, SafeTensorsFile? Decoder) Open(string folder, bool encoder, bool decoder)
    {
        if (!encoder && !decoder) throw new ArgumentException("Load the encoder, the decoder or both.");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"ViTok-v2 checkpoint folder '{folder}' does not exist.");
        SafeTensorsFile? OpenOne(string name, bool wanted)
        {
            if (!wanted) return null;
            string path = Path.Combine(folder, name);
            if (!File.Exists(path))
                throw new FileNotFoundException($"ViTok-v2 checkpoint folder '{folder}' has no {name} (expected {EncoderFile} and/or {DecoderFile}, as published).", path);
            return SafeTensorsFile.Open(path);
        }
        return (OpenOne(EncoderFile, encoder), OpenOne(DecoderFile, decoder));
    }

    /// <summary>The configuration that the tensor shapes of the files describe; throws naming the file and tensor at fault.</summary>
    public static ViTokV2Config InferConfig(SafeTensorsFile? encoder, SafeTensorsFile? decoder)
    {
        if (encoder is null && decoder is null) throw new ArgumentException("No checkpoint file given.");
        V2Stack? enc = null, dec = null;
        int? channels = null, pixels = null;
        int encHidden = 0, decHidden = 0;
        if (encoder is not null)
        {
            var embed = Shape(encoder, "patch_embed.weight", 2);                  // [We, 3 p²]
            var code = Shape(encoder, "to_code.weight", 2);                       // [c, We]
            if (code[1] != embed[0]) throw Inconsistent(encoder, $"to_code.weight [{code[0]}, {code[1]}] does not take patch_embed's width {embed[0]}");
            (enc, encHidden) = InferStack(encoder, "encoder", (int)embed[0]);
            channels = (int)code[0];
            pixels = (int)embed[1];
        }
        if (decoder is not null)
        {
            var embed = Shape(decoder, "decoder_embed.weight", 2);                // [Wd, c]
            var head = Shape(decoder, "to_pixels.weight", 2);                     // [3 p², Wd]
            if (head[1] != embed[0]) throw Inconsistent(decoder, $"to_pixels.weight [{head[0]}, {head[1]}] does not take decoder_embed's width {embed[0]}");
            (dec, decHidden) = InferStack(decoder, "decoder", (int)embed[0]);
            if (channels is not null && channels != embed[1] || pixels is not null && pixels != head[0])
                throw new InvalidDataException($"ViTok-v2 checkpoint: '{encoder!.Path}' (to_code.weight: {channels} channels, patch_embed.weight: {pixels} pixels per token) " +
                    $"and '{decoder.Path}' (decoder_embed.weight: {embed[1]} channels, to_pixels.weight: {head[0]} pixels per token) are not halves of one model.");
            channels = (int)embed[1];
            pixels = (int)head[0];
        }
        var source = (encoder ?? decoder)!;
        int patch = (int)Math.Round(Math.Sqrt(pixels!.Value / 3.0));
        if (3 * patch * patch != pixels)
            throw Inconsistent(source, $"{pixels} pixels per token is not 3 x p x p for a square patch p (video checkpoints, temporal stride > 1, are not supported)");
        double mlp = InferMlpFactor(enc, encHidden, dec, decHidden)
            ?? throw Inconsistent(source, $"no single MLP factor gives SwiGLU widths {(enc is null ? "" : $"{encHidden} (encoder width {enc.Width})")}{(enc is not null && dec is not null ? " and " : "")}{(dec is null ? "" : $"{decHidden} (decoder width {dec.Width})")} as the reference rounds them");
        var config = new ViTokV2Config(enc, dec, patch, channels!.Value, mlp);
        try { config.Validate(); }
        catch (ArgumentException e) { throw Inconsistent(source, e.Message); }
        return config;
    }

    static (V2Stack Stack, int MlpHidden) InferStack(SafeTensorsFile file, string side, int width)
    {
        var indices = file.Entries.Keys.Select(k => BlockIndex.Match(k)).Where(m => m.Success && m.Groups[1].Value == side)
            .Select(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        if (indices.Count == 0) throw Inconsistent(file, $"it has no {side}_blocks.* tensors");
        for (int i = 0; i < indices.Count; i++)
            if (indices[i] != i) throw Inconsistent(file, $"{side}_blocks are numbered {string.Join(", ", indices)}; expected 0..{indices.Count - 1}");
        var qNorm = Shape(file, $"{side}_blocks.0.attn.norm_q.weight", 1);          // [head dim]
        var fc2 = Shape(file, $"{side}_blocks.0.ffn.fc2.weight", 2);                 // [W, hidden]
        if (qNorm[0] < 1 || width % qNorm[0] != 0)
            throw Inconsistent(file, $"{side}_blocks.0.attn.norm_q.weight has {qNorm[0]} values, not a divisor of the width {width}");
        return (new V2Stack(width, indices.Count, (int)(width / qNorm[0])), (int)fc2[1]);
    }

    /// <summary>
    /// The MLP factor the reference would need to build these SwiGLU widths. Several factors round to the same width,
    /// so the shapes cannot tell them apart: the reference's default 2.67 when it fits, else the fitting factor with the
    /// fewest decimals (whole numbers first, up to three decimals), nearest to hidden / width; null when none fits.
    /// </summary>
    static double? InferMlpFactor(V2Stack? enc, int encHidden, V2Stack? dec, int decHidden)
    {
        bool Fits(double m) => (enc is null || enc.MlpHidden(m) == encHidden) && (dec is null || dec.MlpHidden(m) == decHidden);
        if (Fits(ViTokV2Config.DefaultMlpFactor)) return ViTokV2Config.DefaultMlpFactor;
        double ratio = enc is not null ? (double)encHidden / enc.Width : (double)decHidden / dec!.Width;
        foreach (int scale in new[] { 1, 10, 100, 1000 })
        {
            var fitting = Enumerable.Range(1, 16 * scale).Select(k => (double)k / scale).Where(Fits).ToList();
            if (fitting.Count > 0) return fitting.MinBy(m => Math.Abs(m - ratio));
        }
        return null;
    }

    static long[] Shape(SafeTensorsFile file, string name, int rank)
    {
        if (!file.Entries.TryGetValue(name, out var entry)) throw Inconsistent(file, $"it has no tensor '{name}'");
        if (entry.Shape.Length != rank) throw Inconsistent(file, $"tensor '{name}' has shape [{string.Join(", ", entry.Shape)}]; a rank-{rank} tensor is expected");
        return entry.Shape;
    }

    static InvalidDataException Inconsistent(SafeTensorsFile file, string what) =>
        new($"'{file.Path}' is not a ViTok-v2 checkpoint half: {what}.");

    /// <summary>Checks every tensor of both files against the model, then copies them in (converted to the model's dtype).</summary>
    static void LoadWeights(ViTokV2AutoEncoder model, SafeTensorsFile? encoder, SafeTensorsFile? decoder)
    {
        var state = model.state_dict();
        var problems = new List<string>();
        foreach (var (file, isEncoder) in new[] { (encoder, true), (decoder, false) })
        {
            if (file is null) continue;
            var expected = state.Where(kv => IsEncoderName(kv.Key) == isEncoder).ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var name in expected.Keys.Where(k => !file.Entries.ContainsKey(k)))
                problems.Add($"'{file.Path}' lacks '{name}' [{string.Join(", ", expected[name].shape)}]");
            foreach (var (name, entry) in file.Entries)
            {
                if (!expected.TryGetValue(name, out var target))
                    problems.Add($"'{file.Path}' has unexpected tensor '{name}' [{string.Join(", ", entry.Shape)}]");
                else if (!entry.Shape.SequenceEqual(target.shape))
                    problems.Add($"'{file.Path}' tensor '{name}' is [{string.Join(", ", entry.Shape)}], the {model.Config.Variant} model expects [{string.Join(", ", target.shape)}]");
                else if (entry.DType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
                    problems.Add($"'{file.Path}' tensor '{name}' is {entry.DType}; F32, BF16 or F16 expected");
            }
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"ViTok-v2 checkpoint does not fit the {model.Config.Variant} model its shapes describe ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):\n  " + string.Join("\n  ", problems));
        using var _ = no_grad();
        foreach (var (name, target) in state)
        {
            var file = IsEncoderName(name) ? encoder! : decoder!;
            using var value = file.Read(name);
            using (var finite = value.isfinite().all())
                if (!finite.item<bool>())
                    throw new InvalidDataException($"ViTok-v2 checkpoint '{file.Path}': tensor '{name}' holds NaN or infinite values; the file is damaged or comes from a diverged run.");
            target.copy_(value);                                                  // converts BF16/F16 to the model's dtype
        }
    }
}
