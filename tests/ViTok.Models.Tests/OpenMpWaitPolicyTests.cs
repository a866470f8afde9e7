using System.Runtime.InteropServices;
using ViTok.Models.Runtime;

namespace ViTok.Models.Tests;

[TestClass]
public sealed class OpenMpWaitPolicyTests
{
    [TestMethod]
    public void The_policy_is_in_the_C_environment_that_libgomp_reads()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("the wait policy is set for GNU OpenMP, libtorch's runtime on Linux");
        TorchRuntime.EnsureLoaded();
        string? native = Marshal.PtrToStringUTF8(GetEnv("OMP_WAIT_POLICY"));
        Assert.IsNotNull(OpenMpWaitPolicy.Effective);
        if (OpenMpWaitPolicy.Effective!.EndsWith("(set by the user)", StringComparison.Ordinal))
            Assert.AreEqual(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), native);   // left as the user set it (null if they set GOMP_SPINCOUNT)
        else
            Assert.AreEqual(OpenMpWaitPolicy.Default, native);
    }

    [DllImport("libc", EntryPoint = "getenv")]
    static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
