namespace ViTok.Models.Runtime;

/// <summary>
/// An exception raised because an input could not be read (a data source's unreadable item), not because of the code
/// that was running. <see cref="AtomicFile"/> rethrows one unchanged: an I/O failure inside it is the input's, not a
/// failure of the file being written.
/// </summary>
public interface IInputFault;
