using System.Text.Json.Nodes;
using ViTok.Models.Training;

namespace ViTok.Models.Tests.Training;

/// <summary>
/// The three trainers' options share one base (<see cref="TrainingOptions"/>, <see cref="SteppedTrainingOptions"/>), and
/// what they store is unchanged: the JSON below is what checkpoints written before the base held (ToJson of the
/// previous records, captured from them). A resume compares it with the current options key by key
/// (TrainingState.CheckResumedOptions, the check a resume runs), so these checkpoints still resume without
/// --force-options, and a changed option is still named.
/// </summary>
[TestClass]
public sealed class TrainingOptionsTests
{
    const string TokenizerDefaults = """{"Stage":1,"Steps":10000,"BatchSize":32,"Seed":0,"LearningRate":0.0001,"WarmupFraction":0.03,"LearningRateFloor":0.1,"Beta1":0.9,"Beta2":0.95,"WeightDecay":0.0001,"GradClip":1,"L1Weight":0,"KlWeight":0.001,"PerceptualWeight":1,"GanWeight":0.05,"DiscriminatorLearningRate":2E-05,"GanWarmupSteps":200,"GanRampSteps":500,"DiscriminatorChannels":64,"EmaDecay":0.9999,"Bf16":false,"CheckpointEvery":500,"KeepCheckpoints":3,"EvalEvery":1000,"EvalItems":256,"LogEvery":10,"SkipBadItems":false}""";
    const string GeneratorDefaults = """{"Steps":400000,"BatchSize":256,"Seed":0,"LearningRate":0.0001,"WarmupFraction":0,"LearningRateFloor":1,"Beta1":0.9,"Beta2":0.999,"WeightDecay":0,"GradClip":1,"EmaDecay":0.9999,"CheckpointEvery":1000,"KeepCheckpoints":3,"LogEvery":10}""";
    const string ClassifierDefaults = """{"Epochs":5,"BatchSize":128,"LearningRate":0.002,"WarmupFraction":0.03,"LearningRateFloor":0,"Beta1":0.9,"Beta2":0.999,"WeightDecay":0.01,"FlipProbability":0.5,"Seed":0,"Widths":[32,64,128,128],"Workers":1,"LogEvery":50,"EvalBatchSize":256}""";
    const string TokenizerSet = """{"Stage":2,"Steps":7,"BatchSize":3,"Seed":5,"LearningRate":0.001,"WarmupFraction":0.03,"LearningRateFloor":0.1,"Beta1":0.9,"Beta2":0.95,"WeightDecay":0.0001,"GradClip":1,"L1Weight":0,"KlWeight":0.001,"PerceptualWeight":1,"GanWeight":0.05,"DiscriminatorLearningRate":2E-05,"GanWarmupSteps":200,"GanRampSteps":500,"DiscriminatorChannels":64,"EmaDecay":0.9999,"Bf16":true,"CheckpointEvery":500,"KeepCheckpoints":3,"EvalEvery":1000,"EvalItems":256,"LogEvery":2,"SkipBadItems":false}""";
    const string GeneratorSet = """{"Steps":7,"BatchSize":3,"Seed":5,"LearningRate":0.001,"WarmupFraction":0.05,"LearningRateFloor":0.1,"Beta1":0.9,"Beta2":0.999,"WeightDecay":0,"GradClip":1,"EmaDecay":0.9999,"CheckpointEvery":1000,"KeepCheckpoints":3,"LogEvery":10}""";

    static void AssertSameJson(string before, string now)
    {
        var a = JsonNode.Parse(before)!.AsObject();
        var b = JsonNode.Parse(now)!.AsObject();
        CollectionAssert.AreEquivalent(a.Select(p => p.Key).ToList(), b.Select(p => p.Key).ToList(), $"keys: {now}");
        foreach (var (key, value) in a) Assert.AreEqual(value!.ToJsonString(), b[key]!.ToJsonString(), key);
        TrainingState.CheckResumedOptions("old.safetensors", before, now, new HashSet<string>(), force: false, log: null);   // throws on any change
    }

    [TestMethod]
    public void Stored_options_are_what_checkpoints_held_before_the_shared_base()
    {
        AssertSameJson(TokenizerDefaults, new TokenizerTrainingOptions().ToJson());
        AssertSameJson(GeneratorDefaults, new GeneratorTrainingOptions().ToJson());
        AssertSameJson(ClassifierDefaults, new ImageClassifierTrainingOptions().ToJson());
        AssertSameJson(TokenizerSet, new TokenizerTrainingOptions { Stage = 2, Steps = 7, BatchSize = 3, Seed = 5, LearningRate = 1e-3, Bf16 = true, LogEvery = 2 }.ToJson());
        AssertSameJson(GeneratorSet, new GeneratorTrainingOptions { Steps = 7, BatchSize = 3, Seed = 5, LearningRate = 1e-3, WarmupFraction = 0.05, LearningRateFloor = 0.1 }.ToJson());
        Assert.AreEqual(new TokenizerTrainingOptions { Stage = 2, Steps = 7, BatchSize = 3, Seed = 5, LearningRate = 1e-3, Bf16 = true, LogEvery = 2 }, TokenizerTrainingOptions.FromJson(TokenizerSet));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => TrainingState.CheckResumedOptions("old.safetensors", GeneratorSet,
            new GeneratorTrainingOptions { Steps = 7, BatchSize = 4, Seed = 5, LearningRate = 1e-3, WarmupFraction = 0.05, LearningRateFloor = 0.1 }.ToJson(),
            new HashSet<string>(), force: false, log: null));
        StringAssert.Contains(e.Message, "BatchSize 3 -> 4");
    }

    [TestMethod]
    public void The_shared_checks_name_the_option_for_every_trainer()
    {
        TrainingOptions[] bad = [new TokenizerTrainingOptions { BatchSize = 0 }, new GeneratorTrainingOptions { BatchSize = 0 }, new ImageClassifierTrainingOptions { BatchSize = 0 }];
        foreach (var options in bad)
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(options.Validate).Message, "batch size 0", options.GetType().Name);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(new GeneratorTrainingOptions { LearningRateFloor = 0 }.Validate).Message, "learning-rate floor 0");
        new ImageClassifierTrainingOptions { LearningRateFloor = 0 }.Validate();   // the classifier's recipe decays to 0
    }
}
