using System.Runtime.InteropServices;

namespace ViTok.Models.Runtime;

/// <summary>
/// How libtorch's idle intra-op threads wait. On Linux libtorch runs its threads on GNU OpenMP (libgomp), whose threads
/// spin for a while at the end of each parallel operation before they sleep. When other processes hold the cores, a
/// spinning thread keeps the core its partner needs, and every one of the thousands of small operations of a forward pass
/// waits for the scheduler: on this 2-core machine, loaded by two other processes, drawing 8 clips took 114-117 s with
/// 2 threads spinning and 6.0-6.2 s with OMP_WAIT_POLICY=PASSIVE (docs/benchmarks.md#openmp-wait-policy).
/// libgomp reads the policy once, when it is loaded, so it is set in the process environment before libtorch is loaded,
/// and only when the user has not chosen (neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set). Not on Windows or macOS,
/// where libtorch uses other OpenMP runtimes.
/// </summary>
public static class OpenMpWaitPolicy
{
    /// <summary>The policy ViTok sets when the environment has none.</summary>
    public const string Default = "PASSIVE";

    /// <summary>What the process runs with: the user's setting, ViTok's default, or none (not Linux).</summary>
    public static string? Effective { get; private set; }

    /// <summary>Sets OMP_WAIT_POLICY for libgomp unless the user did; call before libtorch is loaded (later calls change nothing).</summary>
    public static void Apply()
    {
        if (Effective is not null || !OperatingSystem.IsLinux()) return;
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? spin = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        if (policy is not null || spin is not null)
        {
            Effective = policy is not null ? $"OMP_WAIT_POLICY={policy} (set by the user)" : $"GOMP_SPINCOUNT={spin} (set by the user)";
            return;
        }
        // .NET keeps its own copy of the environment; libgomp reads the C library's, so set it there.
        if (SetEnv("OMP_WAIT_POLICY", Default, 0) != 0)
            throw new InvalidOperationException($"setenv(OMP_WAIT_POLICY) failed with errno {Marshal.GetLastPInvokeError()}.");
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", Default);
        Effective = $"OMP_WAIT_POLICY={Default}";
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
