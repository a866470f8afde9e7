namespace ViTok.Models.Runtime;

/// <summary>
/// How libtorch's idle intra-op threads wait, as this process runs it. On Linux libtorch's threads run on GNU OpenMP
/// (libgomp), whose idle threads spin (300,000 iterations by default) before they sleep: fastest when the cores are
/// free, many times slower when other processes hold them (a spinning thread keeps the core its partner needs).
/// libgomp reads OMP_WAIT_POLICY / GOMP_SPINCOUNT once, when libtorch loads it, so the choice is the environment's;
/// ViTok does not change it (measurements and advice: docs/benchmarks.md#openmp-wait-policy).
/// </summary>
public static class OpenMpWaitPolicy
{
    /// <summary>The policy in the environment (OMP_WAIT_POLICY or GOMP_SPINCOUNT), or the runtime's default.</summary>
    public static string Describe()
    {
        if (!OperatingSystem.IsLinux()) return "the OpenMP runtime's default";
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? spin = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        if (policy is null && spin is null) return "libgomp's default (spin, then sleep; OMP_WAIT_POLICY=PASSIVE on busy machines)";
        return string.Join(", ", new[] { policy is null ? null : $"OMP_WAIT_POLICY={policy}", spin is null ? null : $"GOMP_SPINCOUNT={spin}" }.OfType<string>());
    }
}
