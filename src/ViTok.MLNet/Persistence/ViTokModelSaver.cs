using Microsoft.ML;

namespace ViTok.MLNet;

/// <summary>Saves ML.NET models whole or not at all.</summary>
public static class ViTokModelSaver
{
    /// <summary>
    /// Saves <paramref name="model"/> as <c>mlContext.Model.Save</c> does, but never leaves a damaged file: the zip is
    /// written to a temporary file in the same folder, flushed to disk, and then renamed over <paramref name="path"/>.
    /// If writing fails (a full disk, a component that cannot be saved), the file that was at <paramref name="path"/>
    /// is untouched and the temporary file is removed. <c>mlContext.Model.Save</c> over an existing zip truncates it
    /// first, so a failure leaves neither the old model nor the new one. Load the result with
    /// <see cref="ViTokModelLoader.LoadWithViTok(MLContext, string, out DataViewSchema, string?, int?)"/>.
    /// </summary>
    public static void SaveWithViTok(this MLContext mlContext, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"Model file '{path}' is a folder.");
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The folder of model file '{path}' does not exist.");
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                mlContext.Model.Save(model, inputSchema, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);   // rename(2): atomic within a folder
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
