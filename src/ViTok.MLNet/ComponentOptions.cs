using System.Text.Json.Serialization;

namespace ViTok.MLNet;

/// <summary>
/// What the options of every ViTok ML.NET component share: the device and threads it runs on and the rows that go
/// through one forward pass (one sampling call for generation). Thread count and device are per component, never global.
/// </summary>
public abstract class ComponentOptions
{
    /// <summary>The shared defaults.</summary>
    public static class Defaults
    {
        /// <summary>Rows per forward pass.</summary>
        public const int BatchSize = 32;
        /// <summary>0 keeps torch's default (one per core).</summary>
        public const int Threads = 0;
    }

    private protected ComponentOptions() { }

    /// <summary>
    /// A copy of these options, taken when an estimator is created: the estimator and every transformer it fits keep
    /// the copy, so setting a property of the caller's object afterwards changes nothing already built (as ML.NET's own
    /// estimators read their options once). The copy is shallow: the values are numbers, strings, enums and immutable
    /// records; a model given in memory (<c>Tokenizer</c>) is copied into each transformer's own weights at Fit.
    /// </summary>
    internal T Snapshot<T>() where T : ComponentOptions => (T)MemberwiseClone();

    /// <summary>"cpu", "cuda" or "cuda:N". Default null: MLContext.GpuDeviceId (cuda:N) when set, else cpu.</summary>
    [JsonIgnore]   // not saved: a loaded pipeline runs where it is loaded
    public string? Device { get; set; }

    /// <summary>
    /// Intra-op threads of this component's forward passes (training: of its training loop), set around each pass and
    /// then restored (never process-wide). <see cref="Defaults.Threads"/> (0) is automatic: 1 thread for a single-row
    /// pass (PredictionEngine), the process's setting (torch's default, one per core) for batches and training.
    /// See docs/ml-net.md, "Threads".
    /// </summary>
    public int Threads { get; set; } = Defaults.Threads;

    /// <summary>Rows per forward pass (per sampling call for generation); default <see cref="Defaults.BatchSize"/>.</summary>
    public int BatchSize { get; set; } = Defaults.BatchSize;
}
