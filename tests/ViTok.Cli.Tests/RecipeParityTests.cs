using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.Cli.Verbs;
using ViTok.MLNet;
using ViTok.Models.Generation;
using ViTok.Models.Recipes;
using ViTok.Models.Training;
using ViTok.Models.Weights;
using static TorchSharp.torch;

namespace ViTok.Cli.Tests;

/// <summary>
/// The command line and ML.NET run one set of recipes (ViTok.Models' Recipes/): the same options and data give bitwise
/// the same tokenizer through `vitok train` and TrainTokenizer, and the same latents through `vitok generate` and
/// GenerateLatents; and the two surfaces have the same defaults.
/// </summary>
[TestClass]
public sealed class RecipeParityTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("vitok-parity-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    sealed class FileRow
    {
        public string Path { get; set; } = "";
    }

    sealed class ClassRow
    {
        public long Label { get; set; }
        public long Seed { get; set; }
    }

    sealed class LatentRow
    {
        public float[] Latent { get; set; } = [];
    }

    [TestMethod]
    public void Vitok_train_and_TrainTokenizer_make_the_same_tokenizer_bit_for_bit()
    {
        string images = TestFiles.Images(_dir, "images", 80, size: 32);   // ResNet18 (perceptual loss, FD) needs 32 px at least
        // Perceptual loss (the default weight) and evaluation with FD-ResNet18 on the held-out part, both surfaces.
        string cliRun = Path.Combine(_dir, "cli");
        var (code, output, err) = CliHarness.Run("train", "--variant", "N-N/8", "-c", "4", "--image-size", "32", "--data", "folder:" + images, "--out", cliRun,
            "--steps", "3", "--batch", "4", "--lr", "1e-3", "--eval-items", "2", "--eval-every", "2", "--log-every", "1");
        Assert.AreEqual(0, code, output + err);
        StringAssert.Contains(output, "evaluating on 2 clips");                   // 2% of 80 held out (FD needs two)

        var ml = new MLContext(seed: 1);
        var rows = ml.Data.LoadFromEnumerable(Directory.GetFiles(images).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(f => new FileRow { Path = f! }));
        string mlRun = Path.Combine(_dir, "mlnet");
        ml.Transforms.LoadRawImageBytes("Image", images, nameof(FileRow.Path))
            .Append(ml.Transforms.TrainTokenizer(new TrainTokenizerOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", Variant = "N-N/8", Channels = 4, ImageSize = 32, RunFolder = mlRun,
                Training = new TokenizerTrainingOptions { Steps = 3, BatchSize = 4, LearningRate = 1e-3, EvalItems = 2, EvalEvery = 2, LogEvery = 1 },
            }))
            .Fit(rows).Dispose();

        var cli = SafeTensorsFile.Open(Path.Combine(cliRun, "tokenizer.safetensors"));
        var mlnet = SafeTensorsFile.Open(Path.Combine(mlRun, "tokenizer.safetensors"));
        CollectionAssert.AreEquivalent(cli.Entries.Keys.ToArray(), mlnet.Entries.Keys.ToArray());
        using var scope = NewDisposeScope();
        foreach (var name in cli.Entries.Keys)
            Assert.IsTrue(cli.Read(name).bytes.SequenceEqual(mlnet.Read(name).bytes), $"tensor {name} differs");
        Assert.AreEqual(cli.Metadata["train.metrics"], mlnet.Metadata["train.metrics"], "the same evaluation");
        StringAssert.Contains(cli.Metadata["train.metrics"], "\"fd\"");
        Assert.AreEqual(cli.Metadata["train.options"], mlnet.Metadata["train.options"]);
    }

    /// <summary>A generator trained for two steps on the latents of an untrained tokenizer.</summary>
    (string Tokenizer, string Generator) Generator()
    {
        string tokenizer = TestFiles.Tokenizer(_dir);
        string run = Path.Combine(_dir, "gen");
        var (code, output, err) = CliHarness.Run("train-generator", "--tokenizer", tokenizer, "--data", "synthetic:shapes?count=12&size=16",
            "--out", run, "--size", "N", "--steps", "2", "--batch", "4", "--workers", "1");
        Assert.AreEqual(0, code, output + err);
        return (tokenizer, Path.Combine(run, "generator.safetensors"));
    }

    /// <summary>The latents `vitok generate --save-latents` wrote, [N, L x c], class-major.</summary>
    static float[][] CliLatents(string folder)
    {
        using var set = LatentSet.Load(Path.Combine(folder, "latents.safetensors"));
        using var flat = set.Latents.flatten(1);
        return Enumerable.Range(0, set.Count).Select(i => flat[i].data<float>().ToArray()).ToArray();
    }

    static float[][] MlNetLatents(MLContext ml, IEnumerable<ClassRow> rows, GenerateLatentsOptions options)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        using var model = ml.Transforms.GenerateLatents(options).Fit(data);
        return ml.Data.CreateEnumerable<LatentRow>(model.Transform(data), reuseRowObject: false).Select(r => r.Latent).ToArray();
    }

    static void AssertBitwise(float[][] expected, float[][] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i].Select(BitConverter.SingleToInt32Bits).ToArray(), actual[i].Select(BitConverter.SingleToInt32Bits).ToArray(), $"sample {i}");
    }

    [TestMethod]
    public void Vitok_generate_and_GenerateLatents_draw_the_same_latents_bit_for_bit()
    {
        var (tokenizer, generator) = Generator();
        var ml = new MLContext(seed: 1);

        // Both surfaces' defaults (sampler, its steps, guidance, batch), one class, the run seed: no seed column needed.
        string defaults = Path.Combine(_dir, "defaults");
        var (code, output, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--class", "1", "--count", "4", "--seed", "7",
            "--save-latents", "--no-images", "--out", defaults);
        Assert.AreEqual(0, code, output + err);
        AssertBitwise(CliLatents(defaults), MlNetLatents(ml, Enumerable.Repeat(new ClassRow { Label = 1 }, 4),
            new GenerateLatentsOptions { OutputColumnName = "Latent", GeneratorPath = generator, Seed = 7 }));

        // Two classes, other settings: sample i of each class has the recipe's seed (a seed column in ML.NET) and the same pass shape.
        string classes = Path.Combine(_dir, "classes");
        (code, output, err) = CliHarness.Run("generate", "--model", generator, "--tokenizer", tokenizer, "--class", "0,2", "--count", "3", "--sampler", "ddpm",
            "--steps", "6", "--cfg", "2.5", "--guidance-interval", "0,0.7", "--seed", "11", "--batch", "3", "--save-latents", "--no-images", "--out", classes);
        Assert.AreEqual(0, code, output + err);
        var rows = new[] { 0L, 2L }.SelectMany(k => Enumerable.Range(0, 3).Select(i => new ClassRow { Label = k, Seed = GenerationRecipe.SampleSeed(11, i) }));
        AssertBitwise(CliLatents(classes), MlNetLatents(ml, rows, new GenerateLatentsOptions
        {
            OutputColumnName = "Latent", GeneratorPath = generator, SeedColumnName = nameof(ClassRow.Seed), Sampler = Sampler.Ddpm, Steps = 6,
            GuidanceScale = 2.5, GuidanceTo = 0.7, BatchSize = 3,
        }));
    }

    static ParseResult Parse(IVerb verb, params string[] required) => verb.Create().Parse(required);

    [TestMethod]
    public void The_command_line_and_ML_NET_have_the_same_defaults()
    {
        // Generation: vitok generate, GenerateLatents and the transformer TrainGenerator returns.
        var generate = Parse(new GenerateVerb(), "--model", "g", "--tokenizer", "t", "--out", "o");
        var generateOptions = new GenerateLatentsOptions();
        var trainGeneratorOptions = new TrainGeneratorOptions();
        double cfg = double.Parse(generate.GetValue<string>("--cfg")!, CultureInfo.InvariantCulture);
        Assert.AreEqual(cfg, generateOptions.GuidanceScale);
        Assert.AreEqual(cfg, trainGeneratorOptions.GuidanceScale);
        Assert.AreEqual(generate.GetValue<int>("--batch"), generateOptions.BatchSize);
        Assert.AreEqual(generate.GetValue<int>("--batch"), trainGeneratorOptions.BatchSize);
        Assert.AreEqual(generate.GetValue<long>("--seed"), generateOptions.Seed);
        Assert.AreEqual(generate.GetValue<long>("--seed"), trainGeneratorOptions.SamplingSeed);
        Assert.IsNull(generate.GetValue<string?>("--sampler"));                // the generator's own on both surfaces
        Assert.IsNull(generateOptions.Sampler);
        Assert.IsNull(trainGeneratorOptions.Sampler);
        Assert.IsNull(generate.GetValue<string?>("--steps"));                  // the sampler's own on both surfaces
        Assert.IsNull(generateOptions.Steps);
        Assert.IsNull(trainGeneratorOptions.SamplingSteps);
        Assert.IsNull(generate.GetValue<string?>("--guidance-interval"));      // the whole range on both surfaces
        Assert.AreEqual((SamplingOptions.Defaults.GuidanceFrom, SamplingOptions.Defaults.GuidanceTo), (generateOptions.GuidanceFrom, generateOptions.GuidanceTo));
        Assert.AreEqual((SamplingOptions.Defaults.GuidanceFrom, SamplingOptions.Defaults.GuidanceTo), (trainGeneratorOptions.GuidanceFrom, trainGeneratorOptions.GuidanceTo));
        foreach (var sampler in Enum.GetValues<Sampler>())
            Assert.AreEqual(SamplingOptions.Defaults.StepsFor(sampler), new SamplingOptions { Sampler = sampler }.Steps);

        // Generator training: vitok train-generator and TrainGenerator.
        var trainGenerator = Parse(new TrainGeneratorVerb(), "--tokenizer", "t", "--data", "d", "--out", "o");
        var g = trainGeneratorOptions.Training;
        Assert.AreEqual(trainGenerator.GetValue<string>("--size"), trainGeneratorOptions.Size);
        Assert.AreEqual(trainGenerator.GetValue<string>("--objective"), trainGeneratorOptions.Objective == DiffusionObjective.Ddpm ? "ddpm" : "flow");
        Assert.AreEqual(trainGenerator.GetValue<double>("--class-dropout"), trainGeneratorOptions.ClassDropout);
        Assert.AreEqual((trainGenerator.GetValue<long>("--steps"), trainGenerator.GetValue<int>("--batch"), trainGenerator.GetValue<double>("--lr")), (g.Steps, g.BatchSize, g.LearningRate));
        Assert.AreEqual((trainGenerator.GetValue<double>("--warmup"), trainGenerator.GetValue<double>("--lr-floor"), trainGenerator.GetValue<double>("--ema")), (g.WarmupFraction, g.LearningRateFloor, g.EmaDecay));
        Assert.AreEqual((trainGenerator.GetValue<long>("--seed"), trainGenerator.GetValue<int>("--checkpoint-every"), trainGenerator.GetValue<int>("--log-every")), (g.Seed, g.CheckpointEvery, g.LogEvery));

        // Tokenizer training: vitok train and TrainTokenizer share every option of the recipe but the length of the run
        // (steps, peak learning rate, checkpoint interval: TrainTokenizerEstimator.Defaults' short CPU run; the variant is required on the command line).
        var train = Parse(new TrainVerb(), "--variant", "N-N/8", "--data", "d", "--out", "o");
        var tokenizerOptions = new TrainTokenizerOptions();
        var t = tokenizerOptions.Training;
        Assert.AreEqual((train.GetValue<int>("--batch"), train.GetValue<int>("--stage"), train.GetValue<long>("--seed")), (t.BatchSize, t.Stage, t.Seed));
        Assert.AreEqual((train.GetValue<double>("--perceptual-weight"), train.GetValue<double>("--kl-weight"), train.GetValue<double>("--l1-weight")), (t.PerceptualWeight, t.KlWeight, t.L1Weight));
        Assert.AreEqual((train.GetValue<double>("--gan-weight"), train.GetValue<double>("--ema")), (t.GanWeight, t.EmaDecay));
        Assert.AreEqual((train.GetValue<int>("--eval-every"), train.GetValue<int>("--eval-items"), train.GetValue<int>("--log-every")), (t.EvalEvery, t.EvalItems, t.LogEvery));
        Assert.AreEqual(!train.GetValue<bool>("--no-fd"), tokenizerOptions.MeasureFd);
        Assert.AreEqual(train.GetValue<bool>("--bf16"), t.Bf16);

        // Native-size encoding (ViTok-v2): --max-tokens and TokenizeImages' MaxTokens.
        foreach (IVerb verb in new IVerb[] { new EncodeVerb(), new ReconstructVerb(), new MetricsVerb() })
            Assert.AreEqual(new TokenizeImagesOptions().MaxTokens, verb.Create().Parse([]).GetValue<int>("--max-tokens"), verb.GetType().Name);
    }
}
