using TorchSharp;
using ViTok.Models.Generation;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;
using static TorchSharp.torch;

namespace ViTok.Models.Tests.Generation;

[TestClass]
public sealed class DiTTests
{
    [TestInitialize]
    public void Init()
    {
        TorchRuntime.EnsureLoaded();
        random.manual_seed(3);
    }

    static DiTConfig Tiny(DiffusionObjective objective, int classes = 2) => new()
    {
        Size = DiTSize.N, Grid = new TokenGrid(1, 2, 2), Channels = 4, Classes = classes, Objective = objective,
    };

    [TestMethod]
    public void XL_over_256_tokens_of_16_channels_costs_what_DiT_XL_2_costs()
    {
        var config = new DiTConfig { Size = DiTSize.XL, Grid = new TokenGrid(1, 16, 16), Channels = 16, Classes = 1000 };
        var cost = DiTCost.Of(config);
        Assert.IsTrue(Math.Abs(cost.ParamsM - 675) / 675 <= 0.02, $"params {cost.ParamsM:F1} M");
        Assert.IsTrue(Math.Abs(cost.GFlops - 118.6) / 118.6 <= 0.02, $"GFLOPs {cost.GFlops:F2}");
    }

    [TestMethod]
    public void Parameter_formula_equals_the_module()
    {
        foreach (var objective in new[] { DiffusionObjective.Ddpm, DiffusionObjective.FlowMatching })
        {
            var config = Tiny(objective, classes: 10) with { Size = DiTSize.T, Grid = new TokenGrid(2, 3, 3) };
            using var model = new DiT(config);
            Assert.AreEqual(DiTCost.Of(config).Params, model.parameters().Sum(p => p.numel()), objective.ToString());
        }
    }

    [TestMethod]
    public void Output_shapes_and_the_null_class_path()
    {
        using var model = new DiT(Tiny(DiffusionObjective.Ddpm));
        using var scope = NewDisposeScope();
        var x = randn(3, 4, 4);
        var y = tensor(new long[] { 0, 1, model.NullClass });
        var output = model.forward(x, tensor(new long[] { 0, 500, 999 }), y);
        CollectionAssert.AreEqual(new long[] { 3, 4, 8 }, output.shape);        // noise and variance channels
        Assert.IsTrue(output.isfinite().all().item<bool>());
    }

    [TestMethod]
    public void Guidance_scale_one_equals_the_conditional_model_and_the_batched_path_agrees()
    {
        using var model = new DiT(Tiny(DiffusionObjective.FlowMatching));
        TrainBriefly(model, DiffusionObjective.FlowMatching, 20);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = randn(2, 4, 4);
        var t = tensor(new float[] { 300, 700 });
        var y = tensor(new long[] { 0, 1 });
        var conditional = model.forward(x, t, y);
        Assert.IsTrue(Guidance.Predict(model, x, t, y, 1.0, 4).eq(conditional).all().item<bool>());
        var nearlyOne = Guidance.Predict(model, x, t, y, 1.0 + 1e-9, 4);          // goes through the [cond; null] batch
        Assert.IsTrue(allclose(conditional, nearlyOne, rtol: 1e-4, atol: 1e-5));
        var unconditional = model.forward(x, t, full_like(y, model.NullClass));
        Assert.IsTrue(allclose(Guidance.Predict(model, x, t, y, 0.0, 4), unconditional, rtol: 1e-4, atol: 1e-5));
    }

    [TestMethod]
    [DataRow(DiffusionObjective.Ddpm, Sampler.Ddim)]
    [DataRow(DiffusionObjective.FlowMatching, Sampler.Euler)]
    [DataRow(DiffusionObjective.FlowMatching, Sampler.Heun)]
    public void Guidance_in_an_interval_runs_one_pass_outside_it(DiffusionObjective objective, Sampler sampler)
    {
        using var model = new DiT(Tiny(objective));
        TrainBriefly(model, objective, 5);
        // Rows through the model per sampling call: a guided step runs [cond; null], 2 rows per sample.
        long rows = 0;
        model.register_forward_pre_hook((_, x, _, _) => { rows += x.shape[0]; return null; });
        var guided = new SamplingOptions { Sampler = sampler, Steps = 8, GuidanceScale = 3, Seed = 7 };
        using var scope = NewDisposeScope();
        var y = tensor(new long[] { 0, 1 });
        (Tensor Samples, long Rows) Run(SamplingOptions options) { rows = 0; var s = Sample(model, y, options); return (s, rows); }
        var everywhere = Run(guided);
        var plain = Run(guided with { GuidanceScale = 1 });
        Assert.IsTrue(plain.Rows >= 2 * 8, $"the hook saw {plain.Rows} rows");
        Assert.AreEqual(2 * plain.Rows, everywhere.Rows, "guidance at every step: two passes a step");
        // The whole range is the default; an interval without any step in it is the conditional model.
        Assert.IsTrue(Run(guided with { GuidanceFrom = 0, GuidanceTo = 1 }).Samples.eq(everywhere.Samples).all().item<bool>());
        var none = Run(guided with { GuidanceFrom = 0.999, GuidanceTo = 0.9995 });
        Assert.AreEqual(plain.Rows, none.Rows);
        Assert.IsTrue(none.Samples.eq(plain.Samples).all().item<bool>(), "no step in the interval: the unguided samples");
        // Guidance at the lower half of the noise levels only: between the two in work, and different from both.
        var half = Run(guided with { GuidanceFrom = 0, GuidanceTo = 0.5 });
        Assert.IsTrue(half.Rows > plain.Rows && half.Rows < everywhere.Rows, $"{half.Rows} rows, against {plain.Rows} and {everywhere.Rows}");
        Assert.IsFalse(half.Samples.eq(everywhere.Samples).all().item<bool>());
        Assert.IsFalse(half.Samples.eq(plain.Samples).all().item<bool>());
    }

    [TestMethod]
    public void A_guidance_interval_outside_zero_to_one_or_reversed_is_refused()
    {
        var objective = DiffusionObjectives.Create(Tiny(DiffusionObjective.FlowMatching));
        foreach (var (from, to) in new[] { (-0.1, 1.0), (0.0, 1.5), (0.7, 0.3), (double.NaN, 1.0) })
        {
            var e = Assert.Throws<ArgumentException>(() => new SamplingOptions { Sampler = Sampler.Heun, GuidanceFrom = from, GuidanceTo = to }.Validate(objective));
            StringAssert.Contains(e.Message, "Guidance interval");
        }
    }

    [TestMethod]
    [DataRow(DiffusionObjective.Ddpm, Sampler.Ddim)]
    [DataRow(DiffusionObjective.Ddpm, Sampler.Ddpm)]
    [DataRow(DiffusionObjective.FlowMatching, Sampler.Euler)]
    [DataRow(DiffusionObjective.FlowMatching, Sampler.Heun)]
    public void The_same_seed_gives_identical_samples(DiffusionObjective objective, Sampler sampler)
    {
        using var model = new DiT(Tiny(objective));
        TrainBriefly(model, objective, 5);
        var options = new SamplingOptions { Sampler = sampler, Steps = 10, GuidanceScale = 2, Seed = 42 };
        using var scope = NewDisposeScope();
        var y = tensor(new long[] { 0, 1 });
        var a = Sample(model, y, options);
        var b = Sample(model, y, options);
        var c = Sample(model, y, options with { Seed = 43 });
        Assert.IsTrue(a.eq(b).all().item<bool>(), "same seed, different samples");
        Assert.IsFalse(a.eq(c).all().item<bool>(), "different seeds, same samples");
    }

    [TestMethod]
    public void Ddim_with_eta_one_and_every_step_equals_ddpm_with_the_posterior_variance()
    {
        using var model = new DiT(Tiny(DiffusionObjective.Ddpm));
        TrainBriefly(model, DiffusionObjective.Ddpm, 10);
        var diffusion = new GaussianDiffusion(steps: 100);   // a short schedule keeps the test fast; the identity holds for any length
        using var scope = NewDisposeScope();
        var y = tensor(new long[] { 0, 1 });
        var ddim = diffusion.Sample(model, y, new SamplingOptions { Sampler = Sampler.Ddim, Steps = 100, Eta = 1, GuidanceScale = 1, Seed = 7 });
        var ddpm = diffusion.Sample(model, y, new SamplingOptions { Sampler = Sampler.Ddpm, Steps = 100, FixedPosteriorVariance = true, GuidanceScale = 1, Seed = 7 });
        double difference = (ddim - ddpm).abs().max().item<float>();
        Assert.IsTrue(difference < 1e-3 * Math.Max(1, ddpm.abs().max().item<float>()), $"max difference {difference}");
    }

    [TestMethod]
    public void A_tiny_generator_overfits_a_handful_of_latents()
    {
        var config = Tiny(DiffusionObjective.FlowMatching);
        using var model = new DiT(config);
        using var scope = NewDisposeScope();
        var targets = tensor(new float[] { 1, -1, 1, -1, 0.5f, 0.5f, -0.5f, -0.5f, 1, 1, -1, -1, 0, 1, 0, -1,
                                          -1, 1, -1, 1, -0.5f, -0.5f, 0.5f, 0.5f, -1, -1, 1, 1, 0, -1, 0, 1 }, [2, 4, 4]);
        var labels = tensor(new long[] { 0, 1 });
        using var generator = new Generator(1);
        var optimizer = optim.AdamW(model.parameters(), lr: 3e-3);
        var losses = new List<double>();
        for (int step = 0; step < 400; step++)
        {
            using var s = NewDisposeScope();
            optimizer.zero_grad();
            var x0 = targets.repeat(8, 1, 1);
            var y = labels.repeat(8);
            var loss = new FlowMatching().Loss(model, x0, y, generator);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        Assert.IsTrue(losses.TakeLast(20).Average() < 0.5 * losses.Take(20).Average(), $"loss {losses.Take(20).Average():F3} -> {losses.TakeLast(20).Average():F3}");
        using var _ = no_grad();
        var samples = new FlowMatching().Sample(model, labels, new SamplingOptions { Sampler = Sampler.Heun, Steps = 20, GuidanceScale = 1, Seed = 3 });
        for (int k = 0; k < 2; k++)
        {
            double own = (samples[k] - targets[k]).pow(2).mean().item<float>();
            double other = (samples[k] - targets[1 - k]).pow(2).mean().item<float>();
            Assert.IsTrue(own < 0.25 && own < other, $"class {k}: distance to its latent {own:F3}, to the other {other:F3}");
        }
    }

    static Tensor Sample(DiT model, Tensor y, SamplingOptions options) =>
        DiffusionObjectives.Create(model.Config).Sample(model, y, options);

    /// <summary>A few optimiser steps on random latents, so that the zero-initialised outputs become non-trivial.</summary>
    static void TrainBriefly(DiT model, DiffusionObjective objective, int steps)
    {
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-2);
        using var generator = new Generator(5);
        var diffusion = DiffusionObjectives.Create(model.Config);
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var x0 = randn(4, 4, 4);
            var y = tensor(new long[] { 0, 1, 0, 1 });
            var loss = diffusion.Loss(model, x0, y, generator);
            loss.backward();
            optimizer.step();
        }
    }
}
