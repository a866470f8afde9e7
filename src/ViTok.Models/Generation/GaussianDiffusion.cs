using TorchSharp;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static ViTok.Models.Runtime.HeldScalars;

namespace ViTok.Models.Generation;

/// <summary>
/// DDPM as DiT trains and samples it (improved DDPM): linear betas 1e-4 to 0.02, the model predicts the noise and a
/// value v interpolating the log-variance between the posterior's and beta's; loss = MSE(noise) + the variational
/// bound term for the variance (mean detached). Sampling runs on any evenly respaced subset of the steps (as
/// DiT's SpacedDiffusion), ancestrally (DDPM) or with DDIM.
/// </summary>
public sealed class GaussianDiffusion : IDiffusionObjective
{
    static readonly Sampler[] OwnSamplers = [Sampler.Ddpm, Sampler.Ddim];

    readonly double[] _alphasCumprod;      // of the full training schedule
    readonly Schedule _full;               // every timestep: the training loss's schedule, computed once
    public int Steps { get; }

    public DiffusionObjective Kind => DiffusionObjective.Ddpm;
    public Sampler DefaultSampler => Sampler.Ddim;
    public IReadOnlyList<Sampler> Samplers => OwnSamplers;
    public int MaxSamplingSteps => Steps;

    public GaussianDiffusion(int steps = 1000, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        Steps = steps;
        _alphasCumprod = new double[steps];
        double product = 1;
        for (int i = 0; i < steps; i++)
        {
            double beta = betaStart + (betaEnd - betaStart) * i / (steps - 1);
            product *= 1 - beta;
            _alphasCumprod[i] = product;
        }
        _full = Spaced(steps);
    }

    /// <summary>The schedule on a subset of timesteps (all of them for the training loss).</summary>
    sealed record Schedule(long[] Timesteps, double[] Betas, double[] AlphasCumprod, double[] AlphasCumprodPrev, double[] PosteriorVariance, double[] PosteriorLogVarianceClipped)
    {
        /// <summary>log beta-tilde where it is defined (t &gt; 0), the clipped value at t = 0 (where beta-tilde is 0).</summary>
        public double[] PosteriorLogVariance { get; } = PosteriorVariance.Select((v, i) => v > 0 ? Math.Log(v) : PosteriorLogVarianceClipped[i]).ToArray();
    }

    Schedule Spaced(int count)
    {
        if (count == Steps && _full is not null) return _full;
        long[] used = count == Steps
            ? Enumerable.Range(0, Steps).Select(i => (long)i).ToArray()
            : Enumerable.Range(0, count).Select(i => (long)Math.Round(i * (Steps - 1.0) / Math.Max(1, count - 1))).Distinct().ToArray();
        int n = used.Length;
        var betas = new double[n];
        var ac = new double[n];
        var acPrev = new double[n];
        double last = 1;
        for (int i = 0; i < n; i++)
        {
            ac[i] = _alphasCumprod[used[i]];
            acPrev[i] = last;
            betas[i] = 1 - ac[i] / last;
            last = ac[i];
        }
        var posterior = new double[n];
        for (int i = 0; i < n; i++) posterior[i] = betas[i] * (1 - acPrev[i]) / (1 - ac[i]);
        var clipped = new double[n];
        for (int i = 0; i < n; i++) clipped[i] = Math.Log(i == 0 ? (n > 1 ? posterior[1] : betas[0]) : posterior[i]);
        return new Schedule(used, betas, ac, acPrev, posterior, clipped);
    }

    // Held: see HeldScalars.
    static readonly Scalar Half = 0.5.ToScalar(), MinusOne = (-1.0).ToScalar(),
        LogTwoPi = Math.Log(2 * Math.PI).ToScalar(), LogTwo = Math.Log(2.0).ToScalar();

    static Tensor At(double[] values, Tensor index, Tensor like) =>
        tensor(values, ScalarType.Float32, like.device).index_select(0, index).view(-1, 1, 1);

    /// <summary>x_t = sqrt(ac_t) x0 + sqrt(1 - ac_t) noise.</summary>
    public Tensor Noise(Tensor x0, Tensor t, Tensor noise)
    {
        using var scope = NewDisposeScope();
        var ac = tensor(_alphasCumprod, ScalarType.Float32, x0.device).index_select(0, t).view(-1, 1, 1);
        return ((ac.sqrt() * x0).Plus(One.Minus(ac).sqrt() * noise)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    /// <remarks>MSE on the noise plus the variational bound for the learned variance (mean detached).</remarks>
    public Tensor Loss(DiT model, Tensor x0, Tensor y, Generator generator)
    {
        using var scope = NewDisposeScope();
        long b = x0.shape[0];
        int c = model.Config.Channels;
        var t = randint(0, Steps, [b], dtype: ScalarType.Int64, device: x0.device, generator: generator);
        var noise = randn(x0.shape, device: x0.device, generator: generator);
        var xt = Noise(x0, t, noise);
        var output = model.forward(xt, t, y);
        var eps = output[.., .., ..c];
        var v = output[.., .., c..];
        var mse = (eps - noise).Squared().mean([1, 2]);

        // Variational bound for the variance only (the mean is held fixed, as DiT / improved DDPM do).
        var s = _full;
        var (mean, logVar) = MeanAndLogVariance(s, eps.detach(), v, xt, t);
        var ac = At(s.AlphasCumprod, t, x0);
        var acPrev = At(s.AlphasCumprodPrev, t, x0);
        var betas = At(s.Betas, t, x0);
        var trueMean = ((betas * acPrev.sqrt() / One.Minus(ac)) * x0).Plus((One.Minus(acPrev) * One.Minus(betas).sqrt() / One.Minus(ac)) * xt);
        var trueLogVar = At(s.PosteriorLogVarianceClipped, t, x0);
        var kl = Half * ((logVar.Plus(MinusOne) - trueLogVar).Plus((trueLogVar - logVar).exp()).Plus((trueMean - mean).pow(Two) * (-logVar).exp()));
        var nll = Half * (logVar.Plus(LogTwoPi).Plus((x0 - mean).pow(Two) * (-logVar).exp()));   // t = 0: continuous Gaussian likelihood of the latent
        var vb = where((t == Zero).view(-1, 1, 1), nll, kl).mean([1, 2]) / LogTwo;
        return mse.Plus(vb).mean().MoveToOuterDisposeScope();
    }

    (Tensor Mean, Tensor LogVar) MeanAndLogVariance(Schedule s, Tensor eps, Tensor v, Tensor xt, Tensor index)
    {
        var ac = At(s.AlphasCumprod, index, xt);
        var acPrev = At(s.AlphasCumprodPrev, index, xt);
        var betas = At(s.Betas, index, xt);
        var minLog = At(s.PosteriorLogVariance, index, xt);
        var maxLog = betas.log();
        var frac = v.Plus(One) / Two;
        var logVar = (frac * maxLog).Plus(One.Minus(frac) * minLog);
        var x0 = (One / ac).sqrt() * xt - (One / ac - One).sqrt() * eps;
        var mean = ((betas * acPrev.sqrt() / One.Minus(ac)) * x0).Plus((One.Minus(acPrev) * One.Minus(betas).sqrt() / One.Minus(ac)) * xt);
        return (mean, logVar);
    }

    /// <inheritdoc/>
    /// <remarks>DDPM (ancestral) or DDIM on <see cref="SamplingOptions.Steps"/> evenly respaced timesteps.</remarks>
    public Tensor Sample(DiT model, Tensor y, SamplingOptions options, IReadOnlyList<long>? seeds = null)
    {
        options.Validate(this);
        using var scope = NewDisposeScope();
        using var generator = new RowNoise(seeds ?? RowNoise.Seeds(options.Seed, 0, (int)y.shape[0]), y.device);
        var config = model.Config;
        var s = Spaced(options.Steps);
        var x = generator.Randn(config.Tokens, config.Channels);
        for (int i = s.Timesteps.Length - 1; i >= 0; i--)
        {
            using var step = NewDisposeScope();
            using Scalar at = i.ToScalar(), timestep = s.Timesteps[i].ToScalar();
            var index = full([y.shape[0]], at, dtype: ScalarType.Int64, device: y.device);
            var t = full([y.shape[0]], timestep, dtype: ScalarType.Int64, device: y.device);
            var output = Guidance.Predict(model, x, t, y, options.ScaleAt((double)s.Timesteps[i] / (Steps - 1)), config.Channels);
            var eps = output[.., .., ..config.Channels];
            var v = output[.., .., config.Channels..];
            Tensor next;
            if (options.Sampler == Sampler.Ddpm)
            {
                var (mean, logVar) = MeanAndLogVariance(s, eps, options.FixedPosteriorVariance ? full_like(v, MinusOne) : v, x, index);
                next = i > 0 ? mean.Plus((Half * logVar).exp() * generator.Randn(config.Tokens, config.Channels)) : mean;
            }
            else next = DdimStep(s, i, x, eps, options.Eta, generator);
            x = next.MoveToOuterDisposeScope();
        }
        return x.MoveToOuterDisposeScope();
    }

    static Tensor DdimStep(Schedule s, int i, Tensor x, Tensor eps, double eta, RowNoise generator)
    {
        double ac = s.AlphasCumprod[i], acPrev = s.AlphasCumprodPrev[i];
        double sigma = eta * Math.Sqrt((1 - acPrev) / (1 - ac) * (1 - ac / acPrev));
        using Scalar xScale = Math.Sqrt(1 / ac).ToScalar(), epsScale = Math.Sqrt(1 / ac - 1).ToScalar(), x0Scale = Math.Sqrt(acPrev).ToScalar(),
            dirScale = Math.Sqrt(Math.Max(0, 1 - acPrev - sigma * sigma)).ToScalar(), noiseScale = sigma.ToScalar();
        var x0 = xScale * x - epsScale * eps;
        var next = (x0Scale * x0).Plus(dirScale * eps);
        return sigma > 0 && i > 0 ? next.Plus(noiseScale * generator.Randn(x.shape[1..])) : next;
    }
}
