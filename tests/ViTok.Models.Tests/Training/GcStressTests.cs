using System.Text.Json;
using TorchSharp;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using ViTok.Models.Training;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Training;

/// <summary>
/// Issue 12: a collection forced on another thread must not disturb a native call (a Scalar finalized while libtorch
/// reads it crashed training runs). Training, tokenizer inference and DiT sampling run while a second thread collects
/// and runs finalizers in a loop; each must finish and give bit for bit what it gives undisturbed.
/// </summary>
[TestClass]
public sealed class GcStressTests
{
    static readonly ViTokConfig Config = ViTokConfig.FromVariant("N-N/8", channels: 4, imageSize: 16);
    string _dir = "";

    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        _dir = Directory.CreateTempSubdirectory("vitok-gc-").FullName;
    }

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Collects and runs finalizers in a loop on its own thread until disposed.</summary>
    sealed class CollectionStorm : IDisposable
    {
        volatile bool _stop;
        readonly Thread _thread;
        public int Collections { get; private set; }

        public CollectionStorm()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    Collections++;
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }

    static List<float[]> Items()
    {
        var rng = new Random(5);
        return Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 3 * 16 * 16).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToList();
    }

    static (double[] Losses, float[] Pixels) TrainAndReconstruct(string folder, List<float[]> items)
    {
        var options = new TokenizerTrainingOptions { Steps = 6, BatchSize = 4, LearningRate = 2e-3, CheckpointEvery = 3, LogEvery = 1, EvalEvery = 1000, Seed = 2 };
        var trainer = new TokenizerTrainer(Config, options, position => new InMemoryBatchStream(items, [3, 1, 16, 16], 4, 2, position), "random items", CPU);
        var result = trainer.Run(folder);
        var losses = File.ReadAllLines(Path.Combine(folder, "history.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble()).ToArray();

        using var inference = new TokenizerInference(TokenizerFile.Load(result.ExportedModel!), CPU);
        var input = inference.PixelBuffer(items.Count);
        for (int i = 0; i < items.Count; i++) items[i].CopyTo(input.Slot(i));
        var latents = inference.LatentBuffer(items.Count);
        var pixels = inference.PixelBuffer(items.Count);
        for (int round = 0; round < 5; round++)
        {
            inference.Encode(input, items.Count, latents);
            inference.Decode(latents, items.Count, pixels);
        }
        return (losses, Enumerable.Range(0, items.Count).SelectMany(i => pixels.Slot(i).ToArray()).ToArray());
    }

    static float[] SampleLatents()
    {
        random.manual_seed(4);
        using var model = new DiT(new DiTConfig { Size = DiTSize.N, Grid = new TokenGrid(1, 2, 2), Channels = 4, Classes = 2 });
        model.eval();
        using var _ = no_grad();
        using var y = tensor(new long[] { 0, 1, 2 });
        var options = new SamplingOptions { Sampler = Sampler.Ddpm, Steps = 25, GuidanceScale = 2, Seed = 9 };
        using var x = DiffusionObjectives.Create(model.Config).Sample(model, y, options);
        return x.data<float>().ToArray();
    }

    [TestMethod]
    public void Training_inference_and_sampling_are_undisturbed_by_collections_on_another_thread()
    {
        var items = Items();
        var quiet = TrainAndReconstruct(Path.Combine(_dir, "quiet"), items);
        var quietSamples = SampleLatents();

        (double[] Losses, float[] Pixels) stormy;
        float[] stormySamples;
        int collections;
        using (var storm = new CollectionStorm())
        {
            stormy = TrainAndReconstruct(Path.Combine(_dir, "stormy"), items);
            stormySamples = SampleLatents();
            collections = storm.Collections;
        }
        Assert.IsGreaterThan(10, collections, "the other thread collected");
        CollectionAssert.AreEqual(quiet.Losses, stormy.Losses);
        CollectionAssert.AreEqual(quiet.Pixels, stormy.Pixels);
        CollectionAssert.AreEqual(quietSamples, stormySamples);
    }
}
