using System.Diagnostics;

namespace ViTok.Cli.Tests;

/// <summary>
/// Issue 25: --threads that is not an integer, training into a folder that holds a run, a lock file that is a link,
/// special files in data folders, checksum on bad files, bad generate/encode options and shard part checksums.
/// </summary>
[TestClass]
public sealed class HardeningTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-cli-hard-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    // ---- 1. --threads that is not an integer -------------------------------------------------------------------

    [TestMethod]
    public void Threads_that_is_not_an_integer_is_a_usage_error_naming_the_option_on_every_verb()
    {
        string[] verbs = ["info", "bench", "metrics", "train", "train-generator", "train-classifier", "reconstruct", "generate", "encode", "demo"];
        foreach (string verb in verbs)
            foreach (string value in new[] { "abc", "1.5", "", "99999999999" })
            {
                var (code, output, err) = CliHarness.Run(verb, "--threads", value);
                Assert.AreEqual(2, code, $"{verb} --threads '{value}': {output}{err}");
                StringAssert.Contains(err, "--threads", $"{verb} --threads '{value}'");
            }
    }
}
