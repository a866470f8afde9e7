using TorchSharp;
using static TorchSharp.torch;

namespace ViTok.Models.Runtime;

/// <summary>
/// Scalars held for the life of the process, and the tensor operations for which TorchSharp 0.107 would make a
/// temporary one. Its <c>a + b</c>, <c>a + s</c>, <c>s - a</c>, <c>add_(b)</c>, <c>square()</c> and <c>arange(n)</c> pass
/// alpha 1, the exponent 2 or the start 0 as a new Scalar that nothing keeps alive during the native call, so a
/// collection on another thread can finalize it while libtorch reads it (the run dies with "Expected false to be true"
/// in add_Tensor, or "Unknown scalar type"). ImplicitScalarTests lists every such call in src/; GcStressTests shows the
/// result under forced collections.
/// </summary>
static class HeldScalars
{
    public static readonly Scalar Zero = 0.ToScalar(), One = 1.ToScalar(), Two = 2.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><paramref name="a"/> + <paramref name="s"/>.</summary>
    public static Tensor Plus(this Tensor a, Scalar s) => a.add(s, One);

    /// <summary><paramref name="s"/> - <paramref name="a"/>, computed as TorchSharp does: -a + s.</summary>
    public static Tensor Minus(this Scalar s, Tensor a)
    {
        using var negated = a.negative();
        return negated.add(s, One);
    }

    /// <summary>a += b in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a += s in place.</summary>
    public static Tensor PlusInPlace(this Tensor a, Scalar s) => a.add_(s, One);

    /// <summary><paramref name="a"/>² (TorchSharp's square() is pow(2)).</summary>
    public static Tensor Squared(this Tensor a) => a.pow(Two);

    /// <summary>0, 1, ..., <paramref name="stop"/> - 1.</summary>
    public static Tensor Range(Scalar stop, ScalarType? dtype = null, Device? device = null) => arange(Zero, stop, One, dtype, device);
}
