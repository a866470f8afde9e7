using ViTok.Models.Training;

namespace ViTok.Models.Tests.Training;

/// <summary>Issue 12: resuming drops the history rows logged after the checkpoint, so each step appears once.</summary>
[TestClass]
public sealed class TrainingHistoryTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-history-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Rows_after_the_step_and_a_line_cut_short_are_dropped()
    {
        string path = TrainingHistory.PathIn(_dir);
        File.WriteAllText(path, "{\"step\":1,\"loss\":2}\n{\"step\":2,\"loss\":1.5}\n{\"step\":3,\"loss\":1.2}\n{\"step\":4,\"lo");
        Assert.AreEqual(2, TrainingHistory.KeepUpTo(_dir, 2));
        Assert.AreEqual("{\"step\":1,\"loss\":2}\n{\"step\":2,\"loss\":1.5}\n", File.ReadAllText(path));
        Assert.AreEqual(0, TrainingHistory.KeepUpTo(_dir, 2), "nothing more to drop");
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir), "rewritten in place, no temporary file left");
    }

    [TestMethod]
    public void A_folder_without_history_is_left_alone()
    {
        Assert.AreEqual(0, TrainingHistory.KeepUpTo(_dir, 10));
        Assert.IsFalse(File.Exists(TrainingHistory.PathIn(_dir)));
    }
}
