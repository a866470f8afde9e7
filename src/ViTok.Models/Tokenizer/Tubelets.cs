using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// The tubelet embedding (Conv3d, kernel = stride = (q, p, p)) and its inverse (ConvTranspose3d, same kernel and
/// stride), computed as what they are when kernel equals stride: a reshape into non-overlapping tubelets and one
/// matrix product with the kernel viewed as a matrix. Same parameters, same results, and on CPU several times
/// faster than libtorch's generic 3D convolution; the matrix product also follows <see cref="Autocast"/>.
/// </summary>
public static class Tubelets
{
    /// <summary>[B, 3, T, H, W] to [B, L, W] with L = (T/q)(H/p)(W/p), tokens t-major.</summary>
    public static Tensor Embed(Conv3d conv, Tensor clip, TokenGrid grid)
    {
        using var scope = NewDisposeScope();
        var w = conv.weight!;                                                   // [W, 3, q, p, p]
        long width = w.shape[0], q = w.shape[2], p = w.shape[3], b = clip.shape[0];
        var x = clip.view(b, 3, grid.T, q, grid.H, p, grid.W, p)
            .permute(0, 2, 4, 6, 1, 3, 5, 7)                                     // [B, T', H', W', 3, q, p, p]
            .reshape(b, grid.Count, 3 * q * p * p);
        return Autocast.Linear(x, w.view(width, -1), conv.bias).MoveToOuterDisposeScope(); // [B, L, W]
    }

    /// <summary>[B, L, W] to [B, 3, T, H, W]: each token becomes one 3 x q x p x p tubelet of pixels.</summary>
    public static Tensor Unembed(ConvTranspose3d deconv, Tensor tokens, TokenGrid grid)
    {
        using var scope = NewDisposeScope();
        var w = deconv.weight!;                                                 // [W, 3, q, p, p]
        long width = w.shape[0], q = w.shape[2], p = w.shape[3], b = tokens.shape[0];
        var y = Autocast.Linear(tokens, w.view(width, -1).t(), null).to(ScalarType.Float32); // [B, L, 3qpp]
        y = y.view(b, grid.T, grid.H, grid.W, 3, q, p, p)
            .permute(0, 4, 1, 5, 2, 6, 3, 7)                                     // [B, 3, T', q, H', p, W', p]
            .reshape(b, 3, grid.T * q, grid.H * p, grid.W * p);
        if (deconv.bias is not null) y = y.Plus(deconv.bias.to(ScalarType.Float32).view(1, 3, 1, 1, 1));
        return y.MoveToOuterDisposeScope();
    }
}
