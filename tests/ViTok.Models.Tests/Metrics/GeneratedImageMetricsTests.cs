using ViTok.Models.Metrics;
using ViTok.Models.Runtime;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Metrics;

[TestClass]
public sealed class GeneratedImageMetricsTests
{
    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(11);
    }

    static ImageClassifier Untrained(int classes) =>
        new(new ImageClassifierConfig { ImageSize = 8, Widths = [4, 6], ClassNames = Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray() });

    /// <summary>Outputs whose logits put 60 on <paramref name="predicted"/>[i] and 0 elsewhere; features random.</summary>
    static ClassifierOutputs Confident(int[] predicted, int classes, int features = 6)
    {
        using var scope = NewDisposeScope();
        var logits = zeros(predicted.Length, classes);
        for (int i = 0; i < predicted.Length; i++) logits[i, predicted[i]] = 60;
        return ClassifierOutputs.From(randn(predicted.Length, features), logits);
    }

    [TestMethod]
    public void Confident_predictions_spread_evenly_over_the_classes_score_the_class_count()
    {
        using var classifier = Untrained(10);
        using var outputs = Confident(Enumerable.Range(0, 100).Select(i => i % 10).ToArray(), 10);
        var one = GeneratedImageMetrics.Compute(outputs, classifier, requestedLabels: null, splits: 1);
        Assert.AreEqual(10.0, one.InceptionScore, 1e-6);
        Assert.AreEqual(0.0, one.InceptionScoreStd, 1e-6);

        // Ordered by class (as class folders or class-conditional sampling give them): the 10 splits come from a fixed
        // permutation, so each holds about 100 images of all classes and scores close to 10, not 1.
        using var sorted = Confident(Enumerable.Range(0, 1000).Select(i => i / 100).ToArray(), 10);
        var scores = GeneratedImageMetrics.Compute(sorted, classifier, requestedLabels: null);
        Assert.AreEqual(10, scores.Splits, "the usual 10 splits");
        Assert.IsTrue(scores.InceptionScore is > 9.0 and <= 10.0, $"IS {scores.InceptionScore}");
        Assert.AreEqual(scores.InceptionScore, GeneratedImageMetrics.Compute(sorted, classifier, null).InceptionScore, "deterministic");
        Assert.AreEqual("IS-classifier", scores.IsLabel);
        Assert.IsNull(scores.ClassAccuracy);
        Assert.IsNull(scores.Fd);
        Assert.IsNotNull(scores.FdNote);

        using var collapsed = Confident(Enumerable.Repeat(3, 100).ToArray(), 10);
        Assert.AreEqual(1.0, GeneratedImageMetrics.Compute(collapsed, classifier, null).InceptionScore, 1e-6, "one class only");
        using var few = Confident([0, 1, 2, 3], 10);
        Assert.AreEqual(4, GeneratedImageMetrics.Compute(few, classifier, null).Splits, "splits are capped at the number of images");
    }

    [TestMethod]
    public void Class_accuracy_counts_requested_correct_and_predicted_per_class()
    {
        using var classifier = Untrained(3);
        // requested: 0 0 0 0 1 1 1 2 2 2; predicted: 0 0 0 1 1 1 2 2 2 0
        int[] requested = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2], predicted = [0, 0, 0, 1, 1, 1, 2, 2, 2, 0];
        using var outputs = Confident(predicted, 3);
        var accuracy = GeneratedImageMetrics.Compute(outputs, classifier, requested).ClassAccuracy!;
        Assert.AreEqual(10, accuracy.Count);
        Assert.AreEqual(7, accuracy.Correct);
        Assert.AreEqual(0.7, accuracy.Accuracy, 1e-12);
        Assert.AreEqual(new ClassScore(0, "c0", 4, 3, 4), accuracy.PerClass[0]);
        Assert.AreEqual(new ClassScore(1, "c1", 3, 2, 3), accuracy.PerClass[1]);
        Assert.AreEqual(new ClassScore(2, "c2", 3, 2, 3), accuracy.PerClass[2]);
        Assert.AreEqual(0.75, accuracy.PerClass[0].Accuracy!.Value, 1e-12);

        var none = ClassAccuracy.Of([1, 1], [1, 1], ["a", "b", "c"]);
        Assert.IsNull(none.PerClass[0].Accuracy, "no image asked for class 0");
        Assert.AreEqual(1.0, none.Accuracy);
        Assert.ThrowsExactly<ArgumentException>(() => ClassAccuracy.Of([0], [3], ["a", "b", "c"]));
        Assert.ThrowsExactly<ArgumentException>(() => GeneratedImageMetrics.Compute(outputs, classifier, [0, 1]));
    }

    [TestMethod]
    public void Reference_statistics_are_computed_once_and_reused()
    {
        using var classifier = Untrained(3);
        classifier.eval();
        using var scope = NewDisposeScope();
        var reference = rand(20, 3, 8, 8) * 2 - 1;
        var other = (rand(12, 3, 8, 8) * 2 - 1) * 0.2;
        using var statistics = GeneratedImageMetrics.ReferenceStatistics(classifier, reference, batchSize: 7);
        Assert.AreEqual(20L, statistics.Count);
        Assert.AreEqual(6L, statistics.Mean.shape[0]);

        var same = GeneratedImageMetrics.Compute(classifier, reference, null, statistics, batchSize: 3);
        Assert.AreEqual(0.0, same.Fd!.Value, 1e-6, "a set against its own statistics");
        var different = GeneratedImageMetrics.Compute(classifier, other, null, statistics);
        Assert.IsGreaterThan(1e-4, different.Fd!.Value);
        Assert.AreEqual("FD-classifier", different.FdLabel);
        using (var outputs = ClassifierOutputs.Of(classifier, other))
        using (var stats = FeatureStatistics.Of(outputs.Features))
            Assert.AreEqual(FrechetDistance.Compute(statistics, stats), different.Fd!.Value, 1e-9);
    }

    [TestMethod]
    public void Batch_size_does_not_change_the_outputs_and_training_mode_is_restored()
    {
        using var classifier = Untrained(3);
        classifier.train();
        using var scope = NewDisposeScope();
        var images = rand(9, 3, 8, 8) * 2 - 1;
        using var a = ClassifierOutputs.Of(classifier, images, batchSize: 2);
        using var b = ClassifierOutputs.Of(classifier, images, batchSize: 9);
        Assert.IsTrue(classifier.training, "the caller's mode is restored");
        Assert.IsTrue(a.Logits.allclose(b.Logits, rtol: 1e-5, atol: 1e-6), "outputs depend on the batch size (batch statistics used?)");
        CollectionAssert.AreEqual(a.Predicted(), b.Predicted());
    }

    [TestMethod]
    public void Class_folders_are_matched_by_index_or_by_name()
    {
        string[] names = ["T-shirt/top", "Trouser", "Ankle boot"];
        Assert.AreEqual(0, ClassFolders.Resolve("0", names));
        Assert.AreEqual(2, ClassFolders.Resolve("2", names));
        Assert.IsNull(ClassFolders.Resolve("3", names));
        Assert.AreEqual(0, ClassFolders.Resolve("T-shirt_top", names));
        Assert.AreEqual(0, ClassFolders.Resolve("tshirt-top", names));
        Assert.AreEqual(2, ClassFolders.Resolve("ankle_boot", names));
        Assert.AreEqual(1, ClassFolders.Resolve("TROUSER", names));
        Assert.IsNull(ClassFolders.Resolve("boot", names));
        Assert.AreEqual("T-shirt_top", ClassFolders.FolderName(0, names));
        Assert.AreEqual("Ankle_boot", ClassFolders.FolderName(2, names));
    }
}
