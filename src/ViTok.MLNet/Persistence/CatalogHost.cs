using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace ViTok.MLNet.Persistence;

/// <summary>What a ViTok component needs from its MLContext: the environment (for logging) and the GPU settings.</summary>
sealed record CatalogHost(IHostEnvironment Environment, int? GpuDeviceId, bool FallbackToCpu)
{
    public static CatalogHost Of(MLContext ml) => new(ml, ml.GpuDeviceId, ml.FallbackToCpu);

    /// <summary>A warning in MLContext.Log (source "ViTok"), e.g. a weights file without a checksum.</summary>
    public void Warn(string message)
    {
        using var channel = ((IChannelProvider)Environment).Start("ViTok");
        channel.Warning(MessageSensitivity.None, "{0}", message);
    }

    /// <summary><paramref name="load"/> with the notes it raises about weight files sent to MLContext.Log (<see cref="Warn"/>).</summary>
    public T Loading<T>(Func<T> load)
    {
        using (Models.Weights.WeightNotes.To(Warn)) return load();
    }
}
