using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace ViTok.MLNet.Persistence;

/// <summary>What a ViTok component needs from its MLContext: the environment (for logging) and the GPU settings.</summary>
sealed record CatalogHost(IHostEnvironment Environment, int? GpuDeviceId, bool FallbackToCpu)
{
    public static CatalogHost Of(MLContext ml) => new(ml, ml.GpuDeviceId, ml.FallbackToCpu);
}
