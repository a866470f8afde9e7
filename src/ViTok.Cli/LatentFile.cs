using Microsoft.ML;
using ViTok.MLNet;
using ViTok.Models.Runtime;

namespace ViTok.Cli;

/// <summary>
/// The table `vitok encode` writes: ML.NET binary (.idv) or Parquet (.parquet), atomically (<see cref="AtomicFile"/>):
/// a failure (a full disk) or cancellation leaves no temporary file and any file already at the path as it was.
/// </summary>
static class LatentFile
{
    /// <param name="openOutput">Opens the temporary .idv file (null: a new file); lets a test stand in a failing device.</param>
    public static void Write(MLContext ml, IDataView rows, string output, Func<string, Stream>? openOutput, CancellationToken cancel)
    {
        if (Path.GetExtension(output).Equals(".parquet", StringComparison.OrdinalIgnoreCase))
            ParquetExport.Write(rows, output, cancel: cancel);
        else if (openOutput is null)
            AtomicFile.Write(output, stream => ml.Data.SaveAsBinary(rows, stream, keepHidden: false), cancel);
        else
            AtomicFile.Write(output, stream => ml.Data.SaveAsBinary(rows, stream, keepHidden: false), openOutput, cancel);
    }
}
