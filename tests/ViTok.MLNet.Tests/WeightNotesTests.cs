using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML;
using ViTok.MLNet.Tests.Contract;

namespace ViTok.MLNet.Tests;

/// <summary>Diagnostics of the components go to MLContext.Log, not to a process-wide stream (issue 26).</summary>
[TestClass]
public sealed class WeightNotesTests
{
    [TestMethod]
    public void A_tokenizer_file_without_a_checksum_is_noted_in_the_contexts_log()
    {
        using var data = new TestData(perClass: 1);
        // What files written before checksums look like: the same header with the checksum field blanked (JSON whitespace).
        var bytes = File.ReadAllBytes(data.TokenizerPath);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        var field = Regex.Match(header, "\"vitok.sha256\":\"[0-9a-f]{64}\",");
        Assert.IsTrue(field.Success, header[..Math.Min(200, header.Length)]);
        Encoding.UTF8.GetBytes(header.Replace(field.Value, new string(' ', field.Length))).CopyTo(bytes, 8);
        string older = Path.Combine(data.Folder, $"older-{Guid.NewGuid():N}.safetensors");   // noted once per path and process
        File.WriteAllBytes(older, bytes);

        var ml = new MLContext(seed: 1);
        var log = new List<(string Source, string Message)>();
        ml.Log += (_, e) => { lock (log) log.Add((e.Source, e.Message)); };
        using (ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Out", InputColumnName = "Pixels", TokenizerPath = older })
            .Fit(ContractInput.RandomPixels(ml, 2, seed: 1))) { }

        var notes = log.Where(l => l.Message.Contains("has no checksum")).ToList();
        Assert.HasCount(1, notes, string.Join("\n", log.Select(l => $"{l.Source}: {l.Message}")));
        Assert.AreEqual("ViTok", notes[0].Source);
        StringAssert.Contains(notes[0].Message, older);
    }
}
