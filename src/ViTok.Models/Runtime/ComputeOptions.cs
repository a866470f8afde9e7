using TorchSharp;

namespace ViTok.Models.Runtime;

/// <summary>Where and how wide torch computes. Passed to every component; never kept in a global.</summary>
public sealed record ComputeOptions
{
    /// <summary>"cpu" (default), "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Intra-op threads; 0 (default) keeps torch's default (one per core).</summary>
    public int Threads { get; init; }

    /// <summary>When the requested GPU is missing, run on the CPU instead of failing. Default false.</summary>
    public bool FallbackToCpu { get; init; }

    /// <summary>Parses a device string; throws <see cref="ArgumentException"/> naming the value when it is malformed.</summary>
    public static (DeviceType Type, int Index) ParseDevice(string device)
    {
        string d = (device ?? "").Trim().ToLowerInvariant();
        if (d == "cpu") return (DeviceType.CPU, 0);
        if (d == "cuda") return (DeviceType.CUDA, 0);
        if (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d.AsSpan(5), out int i) && i >= 0)
            return (DeviceType.CUDA, i);
        throw new ArgumentException($"Device '{device}' is not valid: use 'cpu', 'cuda' or 'cuda:N'.");
    }
}
