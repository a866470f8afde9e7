namespace ViTok.Models.Runtime;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the calling thread, in order (<see cref="Progress{T}"/> posts to the
/// thread pool, so lines can interleave or arrive after the run has returned).
/// </summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}
