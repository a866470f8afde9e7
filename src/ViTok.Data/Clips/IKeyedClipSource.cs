namespace ViTok.Models.Clips;

/// <summary>
/// A source whose items have names known without reading them: the path of each file relative to the source's root
/// (a folder) or as its list gives it. Names are unique within the source and do not depend on the listing order,
/// so work can be split by them (<see cref="ShardAssignment"/>).
/// </summary>
public interface IKeyedClipSource : IClipSource
{
    /// <summary>The name of item <paramref name="index"/>.</summary>
    string Key(int index);
}
