using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace ViTok.Models.Runtime;

/// <summary>
/// The one place that touches torch's process-wide state: loading the native library (with a real
/// diagnosis when it fails), the intra-op thread count, and device resolution from <see cref="ComputeOptions"/>.
/// </summary>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static bool _loaded;

    /// <summary>
    /// Loads libtorch through TorchSharp. When that fails, the exception carries the loader's own
    /// message (missing library, missing symbol version) instead of TorchSharp's generic
    /// "doesn't contain a reference to libtorch-cpu-linux-x64".
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            string? cause = DiagnoseNativeLoad();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e)
            {
                throw new TorchLoadException(cause ?? e.Message, e);
            }
            _loaded = true;
        }
    }

    /// <summary>
    /// For hosts whose own folder lacks torch (a .NET Interactive notebook kernel, which references the built
    /// ViTok assemblies with <c>#r</c>): loads libtorch's native libraries from <c>runtimes/RID/native</c> beside
    /// ViTok.Models.dll (the build output, whose copy the build patched for Debian 12) in dependency order, then
    /// initialises torch; other native libraries the host cannot find (libSkiaSharp for ML.NET's images, ...) are then
    /// taken from the same folder (<see cref="NativeLibraryFallback"/>). Call before the first torch operation; calling
    /// again is harmless (the OS loader counts references).
    /// </summary>
    /// <exception cref="TorchLoadException">A library is missing or the OS loader refuses it (its message says which).</exception>
    public static void LoadFromAssemblyFolder()
    {
        string native = Path.Combine(Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location) ?? AppContext.BaseDirectory, "runtimes", NativeRid, "native");
        LoadFrom(native);
        NativeLibraryFallback.Register(native);
    }

    /// <summary>Loads libtorch's native libraries from <paramref name="nativeDirectory"/> in dependency order, then initialises torch.</summary>
    /// <exception cref="TorchLoadException">A library is missing from the folder or the OS loader refuses it.</exception>
    public static void LoadFrom(string nativeDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(nativeDirectory);
        lock (Gate)
        {
            foreach (string name in NativeLibraryOrder)
            {
                string path = Path.Combine(nativeDirectory, name);
                if (!File.Exists(path))
                    throw new TorchLoadException($"{name} is not in {nativeDirectory}; build the project that references TorchSharp-cpu " +
                                                 "(dotnet build -c Release) and load from its output folder.", new FileNotFoundException(path));
                if (!NativeLibrary.TryLoad(path, out _))
                    throw new TorchLoadException(LoaderMessage(path), new DllNotFoundException(path));
            }
            EnsureLoaded();
        }
    }

    /// <summary>libtorch's libraries in the order they depend on each other, then TorchSharp's native shim.</summary>
    static string[] NativeLibraryOrder =>
        OperatingSystem.IsWindows() ? ["c10.dll", "torch_cpu.dll", "torch.dll", "LibTorchSharp.dll"]
        : OperatingSystem.IsMacOS() ? ["libc10.dylib", "libtorch_cpu.dylib", "libtorch.dylib", "libLibTorchSharp.dylib"]
        : ["libc10.so", "libtorch_cpu.so", "libtorch.so", "libLibTorchSharp.so"];

    static string NativeRid =>
        OperatingSystem.IsWindows() ? "win-x64" : OperatingSystem.IsMacOS() ? "osx-arm64" : "linux-x64";

    /// <summary>Tries to load libLibTorchSharp the way the OS loader would; returns the loader's message or null.</summary>
    static string? DiagnoseNativeLoad()
    {
        string file = OperatingSystem.IsWindows() ? "LibTorchSharp.dll"
            : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        string rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux", StringComparison.Ordinal) ? "linux-x64"
            : OperatingSystem.IsWindows() ? "win-x64" : "osx-arm64";
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, file),
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", file),
            Path.Combine(Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? AppContext.BaseDirectory, file),
        ];
        string? path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
            return $"{file} was not found next to the application ({AppContext.BaseDirectory}); " +
                   "the TorchSharp runtime package (TorchSharp-cpu or TorchSharp-cuda-linux) is not in the build output.";
        // Load the libtorch dependencies first from the same folder, as TorchSharp does.
        string dir = Path.GetDirectoryName(path)!;
        foreach (string dep in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            string p = Path.Combine(dir, dep);
            if (File.Exists(p) && !NativeLibrary.TryLoad(p, out _))
                return LoaderMessage(p);
        }
        return NativeLibrary.TryLoad(path, out _) ? null : LoaderMessage(path);
    }

    static string LoaderMessage(string path)
    {
        try { NativeLibrary.Load(path); return $"{path} could not be loaded."; }
        catch (Exception e)
        {
            // .NET wraps the loader's message in advice about strace/LD_DEBUG; keep only the loader's words.
            const string marker = "LD_DEBUG environment variable:";
            string m = e.Message;
            int at = m.IndexOf(marker, StringComparison.Ordinal);
            return at >= 0 ? m[(at + marker.Length)..].Trim() : $"{path} could not be loaded: {m}";
        }
    }

    /// <summary>
    /// Readies a model for inference: checks the dtype (fp32 or bf16), puts it in eval mode and moves it to
    /// <paramref name="device"/> and <paramref name="dtype"/>. Shared by the tokenizer and ViTok-v2 inference.
    /// </summary>
    public static void PrepareForInference(torch.nn.Module model, torch.Device device, torch.ScalarType dtype)
    {
        if (dtype is not (torch.ScalarType.Float32 or torch.ScalarType.BFloat16))
            throw new ArgumentException($"Inference dtype {dtype} is not supported; use Float32 or BFloat16.", nameof(dtype));
        EnsureLoaded();
        model.eval();
        if (device.type != DeviceType.CPU) model.to(device);
        if (dtype != torch.ScalarType.Float32) model.to(dtype);
    }

    /// <summary>Applies the thread count (0 = leave torch's default, which is the number of cores).</summary>
    public static void ApplyThreads(int threads)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Thread count must be 0 (default) or positive.");
        if (threads > Environment.ProcessorCount)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"Thread count {threads} is more than the {Environment.ProcessorCount} cores this process may use.");
        EnsureLoaded();
        if (threads > 0 && torch.get_num_threads() != threads) torch.set_num_threads(threads);
    }

    /// <summary>What to do about a device that is not there, in the words of both surfaces.</summary>
    const string FallbackAdvice = "Ask for the CPU, or allow the fallback to it: on the command line --device cpu or --fallback-to-cpu; in ML.NET " +
                                  "Device = \"cpu\" in the component's options or MLContext.FallbackToCpu = true.";

    /// <summary>Resolves and validates the device named by <paramref name="options"/>; applies the thread count.</summary>
    public static torch.Device Resolve(ComputeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EnsureLoaded();
        ApplyThreads(options.Threads);
        var (type, index) = ComputeOptions.ParseDevice(options.Device);
        if (type == DeviceType.CPU) return torch.CPU;
        if (type == DeviceType.CUDA)
        {
            if (!torch.cuda.is_available())
            {
                if (options.FallbackToCpu) return torch.CPU;
                throw new DeviceUnavailableException(
                    $"Device '{options.Device}' was requested but CUDA is not available (this build uses the '{BuildRuntime}' torch runtime" +
                    (BuildRuntime == "cpu" ? "; build with -p:TorchRuntime=cuda on a machine with an NVIDIA GPU" : "") +
                    "). " + FallbackAdvice);
            }
            int count = torch.cuda.device_count();
            if (index >= count)
            {
                if (options.FallbackToCpu) return torch.CPU;
                throw new DeviceUnavailableException($"Device '{options.Device}' was requested but only {count} CUDA device(s) exist. " + FallbackAdvice);
            }
            return torch.device(DeviceType.CUDA, index);
        }
        throw new DeviceUnavailableException($"Device '{options.Device}' is not supported.");
    }

    /// <summary>The torch runtime package this build references: "cpu" or "cuda".</summary>
    public static string BuildRuntime { get; } =
        typeof(TorchRuntime).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "TorchRuntime")?.Value ?? "cpu";

    /// <summary>Facts about this process's torch: versions, threads, CPU features.</summary>
    public static RuntimeInfo Describe(ComputeOptions options)
    {
        var device = Resolve(options);
        return new RuntimeInfo(
            TorchSharpVersion: typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            LibTorchVersion: torch.__version__,
            Device: device.ToString(),
            Threads: torch.get_num_threads(),
            CudaAvailable: torch.cuda.is_available(),
            Avx512: Avx512F.IsSupported,
            Avx512Bf16: CpuHasFlag("avx512_bf16"),
            Runtime: BuildRuntime,
            ThreadWait: OpenMpWaitPolicy.Describe());
    }

    static bool CpuHasFlag(string flag)
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return false;
        foreach (string line in File.ReadLines(cpuinfo))
            if (line.StartsWith("flags", StringComparison.Ordinal))
                return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(flag);
        return false;
    }
}

/// <summary>What <see cref="TorchRuntime.Describe"/> reports.</summary>
public sealed record RuntimeInfo(string TorchSharpVersion, string LibTorchVersion, string Device, int Threads,
    bool CudaAvailable, bool Avx512, bool Avx512Bf16, string Runtime, string ThreadWait);

/// <summary>Torch's native library could not be loaded; the message is the loader's diagnosis.</summary>
public sealed class TorchLoadException(string message, Exception inner) : Exception("Torch could not be loaded: " + message, inner);

/// <summary>The requested device does not exist on this machine and fallback was not allowed.</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);
