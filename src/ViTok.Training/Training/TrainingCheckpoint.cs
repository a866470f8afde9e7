using System.Text.RegularExpressions;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Models.Training;

/// <summary>
/// Checkpoint files of a run folder: checkpoint-&lt;step&gt;.safetensors, each holding the full training state
/// (weights, EMA, optimiser moments, RNG state) with the step, options and data position in its metadata.
/// Each is written atomically (temporary file, flush, rename); only the newest K are kept.
/// </summary>
public static partial class TrainingCheckpoint
{
    public const string Kind = "checkpoint";

    public static string PathFor(string folder, long step) => Path.Combine(folder, $"checkpoint-{step:D8}.safetensors");

    public static void Write(string folder, long step, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string> metadata, int keep)
    {
        var meta = new Dictionary<string, string>(metadata) { ["vitok.kind"] = Kind, ["train.step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        SafeTensorsFile.Write(PathFor(folder, step), tensors, meta);
        foreach (var old in List(folder).Skip(keep)) File.Delete(old.Path);
    }

    /// <summary>Checkpoints of a folder, newest first.</summary>
    public static IEnumerable<(long Step, string Path)> List(string folder) =>
        !Directory.Exists(folder) ? [] :
        Directory.EnumerateFiles(folder, "checkpoint-*.safetensors")
            .Select(p => (Match: Name().Match(Path.GetFileName(p)), Path: p))
            .Where(x => x.Match.Success)
            .Select(x => (long.Parse(x.Match.Groups[1].Value), x.Path))
            .OrderByDescending(x => x.Item1);

    /// <summary>
    /// The newest checkpoint that opens and validates. Unreadable newer ones are reported in
    /// <paramref name="rejected"/> (path and reason) and passed over; null when there is none.
    /// </summary>
    public static SafeTensorsFile? Latest(string folder, List<string> rejected)
    {
        foreach (var (_, path) in List(folder))
        {
            try
            {
                var file = SafeTensorsFile.Open(path);
                if (!file.Metadata.TryGetValue("vitok.kind", out var kind) || kind != Kind)
                    throw new InvalidDataException("not a ViTok training checkpoint");
                return file;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                rejected.Add($"{path}: {e.Message}");
            }
        }
        return null;
    }

    [GeneratedRegex(@"^checkpoint-(\d+)\.safetensors$")]
    private static partial Regex Name();
}
