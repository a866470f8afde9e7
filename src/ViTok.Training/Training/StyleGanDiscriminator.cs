using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ViTok.Models.Training;

/// <summary>
/// A StyleGAN2-style discriminator for stage-2 training: residual blocks of two 3x3 convolutions with leaky ReLU and
/// 2x average-pool downsampling down to 4x4, a minibatch standard-deviation feature, then a 3x3 convolution and two
/// linear layers to one logit per image. Video is judged frame by frame ([B, 3, T, H, W] becomes B·T images).
/// </summary>
public sealed class StyleGanDiscriminator : Module<Tensor, Tensor>
{
    /// <summary>Leaky ReLU slope, held (see HeldScalars).</summary>
    internal static readonly Scalar Slope = 0.2.ToScalar();

    private readonly Conv2d from_rgb;
    private readonly ModuleList<DiscriminatorBlock> blocks;
    private readonly Conv2d conv;
    private readonly Linear fc;
    private readonly Linear out_;
    private readonly int _finalChannels;

    /// <param name="imageSize">Side of the (square) input; a power of two times 4, at least 8.</param>
    /// <param name="baseChannels">Channels at full resolution; doubled at each downsampling up to <paramref name="maxChannels"/>.</param>
    public StyleGanDiscriminator(int imageSize, int baseChannels = 64, int maxChannels = 256) : base(nameof(StyleGanDiscriminator))
    {
        if (imageSize < 8 || (imageSize & (imageSize - 1)) != 0)
            throw new ArgumentException($"The discriminator needs a power-of-two image size of at least 8; got {imageSize}.");
        from_rgb = Conv2d(3, baseChannels, 1);
        var list = new List<DiscriminatorBlock>();
        int channels = baseChannels;
        for (int size = imageSize; size > 4; size /= 2)
        {
            int next = Math.Min(channels * 2, maxChannels);
            list.Add(new DiscriminatorBlock(channels, next));
            channels = next;
        }
        blocks = new ModuleList<DiscriminatorBlock>(list.ToArray());
        _finalChannels = channels;
        conv = Conv2d(channels + 1, channels, 3, padding: 1);
        fc = Linear(channels * 16, channels);
        out_ = Linear(channels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var x = pixels.dim() == 5 ? pixels.transpose(1, 2).flatten(0, 1) : pixels;   // [N, 3, H, W]
        x = from_rgb.forward(x).leaky_relu(Slope);
        foreach (var block in blocks) x = block.forward(x);                           // [N, C, 4, 4]
        var std = x.std(0, unbiased: false).mean().expand(x.shape[0], 1, 4, 4);       // minibatch standard deviation
        x = conv.forward(cat([x, std], 1)).leaky_relu(Slope);
        x = fc.forward(x.flatten(1)).leaky_relu(Slope);
        return out_.forward(x).squeeze(1).MoveToOuterDisposeScope();                   // [N] logits
    }
}

/// <summary>Residual downsampling block: (conv3x3, lrelu, conv3x3, lrelu, avgpool) + (avgpool, conv1x1), over sqrt 2.</summary>
public sealed class DiscriminatorBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Conv2d skip;

    public DiscriminatorBlock(int inChannels, int outChannels) : base(nameof(DiscriminatorBlock))
    {
        conv1 = Conv2d(inChannels, inChannels, 3, padding: 1);
        conv2 = Conv2d(inChannels, outChannels, 3, padding: 1);
        skip = Conv2d(inChannels, outChannels, 1, bias: false);
        RegisterComponents();
    }

    static readonly Scalar RootTwo = Math.Sqrt(2).ToScalar();   // held: see HeldScalars

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = conv1.forward(x).leaky_relu(StyleGanDiscriminator.Slope);
        y = functional.avg_pool2d(conv2.forward(y).leaky_relu(StyleGanDiscriminator.Slope), 2);
        var s = skip.forward(functional.avg_pool2d(x, 2));
        return (y.Plus(s) / RootTwo).MoveToOuterDisposeScope();
    }
}
