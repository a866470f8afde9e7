using System.Text.Json;

namespace ViTok.Cli.Tests;

[TestClass]
public sealed class BenchVerbTests
{
    [TestMethod]
    public void Json_lines_carry_threads_dtype_calls_memory_and_the_training_step()
    {
        var (code, text, err) = CliHarness.Run("bench", "--variant", "N-N/8", "--image-size", "16", "-c", "4", "--batch", "2", "--threads", "1",
            "--min-calls", "3", "--min-seconds", "0", "--train-step", "--json");
        Assert.AreEqual(0, code, text + err);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(2, lines.Length, text);
        string[] dtypes = ["fp32", "bf16"];
        for (int i = 0; i < 2; i++)
        {
            using var row = JsonDocument.Parse(lines[i]);
            var r = row.RootElement;
            Assert.AreEqual("vitok", r.GetProperty("side").GetString());
            Assert.AreEqual(dtypes[i], r.GetProperty("dtype").GetString());
            Assert.AreEqual(1, r.GetProperty("threads").GetInt32());
            Assert.AreEqual(2, r.GetProperty("batch").GetInt32());
            foreach (var field in new[] { "encode_per_s", "decode_per_s", "train_steps_per_s", "matmul_gmacs", "encode_gmacs", "decode_gmacs", "peak_rss_mb" })
                Assert.IsTrue(r.GetProperty(field).GetDouble() > 0, $"{field} in {lines[i]}");
            foreach (var field in new[] { "encode_calls", "decode_calls", "train_calls" })
                Assert.IsTrue(r.GetProperty(field).GetInt32() >= 3, $"{field} in {lines[i]}");
        }
    }

    [TestMethod]
    public void Timing_options_out_of_range_are_refused_by_name()
    {
        var (code, _, err) = CliHarness.Run("bench", "--variant", "N-N/8", "--image-size", "16", "--min-calls", "0");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--min-calls");
        (code, _, err) = CliHarness.Run("bench", "--variant", "N-N/8", "--image-size", "16", "--min-seconds", "-1");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--min-seconds");
        (code, _, err) = CliHarness.Run("bench", "--v2", "--variant", "w64_d2_h4-w96_d3_h4/1x8x16", "--image-size", "40", "--train-step");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--train-step");
    }
}
