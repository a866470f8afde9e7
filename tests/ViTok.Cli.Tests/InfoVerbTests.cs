namespace ViTok.Cli.Tests;

[TestClass]
public sealed class InfoVerbTests
{
    [TestMethod]
    public void Info_prints_versions_and_cpu()
    {
        var (code, output, _) = CliHarness.Run("info");
        Assert.AreEqual(0, code);
        StringAssert.Contains(output, "TorchSharp      0.107");
        StringAssert.Contains(output, "libtorch        2.10");
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"device\s+cpu"));
    }

    [TestMethod]
    public void Info_reports_the_thread_wait_policy_of_the_environment()
    {
        var (code, output) = VitokProcess.Run(["info"], new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = null });
        Assert.AreEqual(0, code, output);
        if (!OperatingSystem.IsLinux())
        {
            // libtorch does not run on libgomp there: the line says the runtime's default, whatever the environment.
            StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"thread wait\s+the OpenMP runtime's default"));
            return;
        }
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"thread wait\s+libgomp's default"));
        (code, output) = VitokProcess.Run(["info"], new Dictionary<string, string?> { ["OMP_WAIT_POLICY"] = "PASSIVE", ["GOMP_SPINCOUNT"] = null });
        Assert.AreEqual(0, code, output);
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"thread wait\s+OMP_WAIT_POLICY=PASSIVE\r?\n"));
    }

    [TestMethod]
    public void Missing_gpu_is_one_line_and_exit_code_1()
    {
        var (code, _, err) = CliHarness.Run("info", "--device", "cuda:64");
        Assert.AreEqual(1, code);
        Assert.AreEqual(1, err.Trim().Split('\n').Length, err);
        StringAssert.Contains(err, "cuda:64");
    }

    [TestMethod]
    public void Missing_gpu_falls_back_when_asked()
    {
        var (code, output, _) = CliHarness.Run("info", "--device", "cuda:64", "--fallback-to-cpu");
        Assert.AreEqual(0, code);
        StringAssert.Matches(output, new System.Text.RegularExpressions.Regex(@"device\s+cpu"));
    }

    [TestMethod]
    public void Usage_errors_exit_with_2()
    {
        Assert.AreEqual(2, CliHarness.Run("info", "--no-such-option").Code);
        Assert.AreEqual(2, CliHarness.Run("no-such-verb").Code);
        var (code, _, err) = CliHarness.Run("info", "--device", "gpu");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--device");
    }
}
