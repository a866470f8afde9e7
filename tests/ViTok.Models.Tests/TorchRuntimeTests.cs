using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tests;

[TestClass]
public sealed class TorchRuntimeTests
{
    [TestMethod]
    public void Torch_loads_and_multiplies_matrices()
    {
        var device = TorchRuntime.Resolve(new ComputeOptions());
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], device: device);
        var b = tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2], device: device);
        float[] c = a.matmul(b).data<float>().ToArray();
        CollectionAssert.AreEqual(new float[] { 58, 64, 139, 154 }, c);
    }

    [TestMethod]
    public void Malformed_device_is_rejected_with_its_name()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => TorchRuntime.Resolve(new ComputeOptions { Device = "gpu0" }));
        StringAssert.Contains(e.Message, "gpu0");
    }

    [TestMethod]
    public void Missing_gpu_fails_clearly_or_falls_back_when_allowed()
    {
        // No machine has 65 GPUs, so this device is missing with or without CUDA.
        var e = Assert.ThrowsExactly<DeviceUnavailableException>(() => TorchRuntime.Resolve(new ComputeOptions { Device = "cuda:64" }));
        StringAssert.Contains(e.Message, "cuda:64");
        Assert.AreEqual(DeviceType.CPU, TorchRuntime.Resolve(new ComputeOptions { Device = "cuda:64", FallbackToCpu = true }).type);
    }

    [TestMethod]
    public void Negative_thread_count_is_rejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TorchRuntime.Resolve(new ComputeOptions { Threads = -1 }));
    }

    [TestMethod]
    public void Loading_from_the_assembly_folder_makes_torch_usable()
    {
        // What a notebook kernel calls: the libraries come from runtimes/<rid>/native beside ViTok.Models.dll.
        TorchRuntime.LoadFromAssemblyFolder();
        using var scope = NewDisposeScope();
        Assert.AreEqual(6f, arange(4, ScalarType.Float32).sum().item<float>());
        // Other native libraries of the build output are found by their DllImport names.
        string? c10 = NativeLibraryFallback.Find(OperatingSystem.IsWindows() ? "c10" : "libc10");
        Assert.IsNotNull(c10);
        Assert.IsTrue(File.Exists(c10));
        Assert.IsNull(NativeLibraryFallback.Find("no-such-native-library"));
    }

    [TestMethod]
    public void Native_fallback_folder_that_does_not_exist_is_named()
    {
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => NativeLibraryFallback.Register("/no/such/native/folder"));
        StringAssert.Contains(e.Message, "/no/such/native/folder");
    }

    [TestMethod]
    public void Loading_from_a_folder_without_libtorch_names_the_library_and_the_folder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "vitok-no-torch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var e = Assert.ThrowsExactly<TorchLoadException>(() => TorchRuntime.LoadFrom(folder));
            StringAssert.Contains(e.Message, OperatingSystem.IsWindows() ? "c10.dll" : "libc10");
            StringAssert.Contains(e.Message, folder);
        }
        finally { Directory.Delete(folder, true); }
    }
}
