namespace ViTok.Models.Clips;

/// <summary>The procedural shapes and textures that the synthetic sources draw; the value is the class label.</summary>
public enum ShapeKind
{
    /// <summary>A filled disc.</summary>
    Circle,
    /// <summary>A filled square.</summary>
    Square,
    /// <summary>A filled equilateral triangle.</summary>
    Triangle,
    /// <summary>An annulus.</summary>
    Ring,
    /// <summary>A plus sign.</summary>
    Cross,
    /// <summary>A square standing on a corner.</summary>
    Diamond,
    /// <summary>A square patch textured with stripes of two colours.</summary>
    Stripes,
    /// <summary>A square patch textured with a checkerboard of two colours.</summary>
    Checker,
}

/// <summary>Names of the <see cref="ShapeKind"/> classes, in label order.</summary>
public static class ShapeKinds
{
    /// <summary>Lower-case class names: circle, square, triangle, ring, cross, diamond, stripes, checker.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetNames<ShapeKind>().Select(n => n.ToLowerInvariant()).ToArray();

    /// <summary>Number of kinds.</summary>
    public static int Count => Names.Count;
}
