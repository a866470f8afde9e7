using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet;
using ViTok.Models.Training;

namespace ViTok.MLNet.Tests;

/// <summary>An image that upstream (LoadImages' decoder) cannot read: the error names the column, the row and the file.</summary>
[TestClass]
public sealed class ImageReadErrorTests
{
    /// <summary>A valid binary PPM (P6) of <paramref name="size"/> x <paramref name="size"/> grey pixels, which SkiaSharp does not decode.</summary>
    static void WritePpm(string path, int size)
    {
        using var f = File.Create(path);
        f.Write(Encoding.ASCII.GetBytes($"P6\n{size} {size}\n255\n"));
        f.Write(Enumerable.Repeat((byte)128, size * size * 3).ToArray());
    }

    [TestMethod]
    [DataRow(4)]
    [DataRow(1)]
    public void Undecodable_image_names_column_row_and_path(int batchSize)
    {
        using var data = new TestData(perClass: 2, imageSize: 32);
        WritePpm(Path.Combine(data.Folder, "parrot.ppm"), 32);
        var rows = data.Rows.ToList();
        rows.Insert(3, new ImageRow { Path = "parrot.ppm", Label = "bird" });

        var ml = new MLContext(seed: 1);
        var images = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.LoadImages("Image", data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", TokenizerPath = data.TokenizerPath, BatchSize = batchSize,
            }))
            .Fit(images);
        var e = Assert.Throws<InvalidDataException>(() => model.Transform(images).GetColumn<VBuffer<float>>("Latent").ToList());
        StringAssert.Contains(e.Message, "Column 'Image', row 3 (Path 'parrot.ppm', Label 'bird'): the image could not be read");
        Assert.IsNotNull(e.InnerException, "the decoder's own error is kept as the inner exception");
    }

    [TestMethod]
    public void Undecodable_image_stops_training_naming_the_file()
    {
        using var data = new TestData(perClass: 1, imageSize: 32);
        WritePpm(Path.Combine(data.Folder, "parrot.ppm"), 32);
        var rows = data.Rows.Append(new ImageRow { Path = "parrot.ppm", Label = "bird" }).ToList();

        var ml = new MLContext(seed: 1);
        var images = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.LoadImages("Image", data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.TrainTokenizer(new TrainTokenizerOptions
            {
                OutputColumnName = "Latent", InputColumnName = "Image", Variant = "N-N/8", Channels = 4, ImageSize = 32,
                Training = new TokenizerTrainingOptions { Steps = 1, BatchSize = 2, CheckpointEvery = 1, EvalEvery = 100 },
            }));
        var e = Assert.Throws<InvalidDataException>(() => pipeline.Fit(images));
        StringAssert.Contains(e.Message, $"Column 'Image', row {rows.Count - 1} (Path 'parrot.ppm', Label 'bird')");
    }

    /// <summary>
    /// The guarded ML.NET loading path (docs/ml-net.md): LoadRawImageBytes, then TokenizeImages on the bytes, decodes with
    /// the CLI's checks. A truncated PNG, a truncated JPEG and a PNG whose header claims 15000 x 15000 pixels are each
    /// refused before any pixel memory is taken, naming the column, the row and the file; the sound rows tokenize.
    /// </summary>
    [TestMethod]
    [DataRow("cut.png")]
    [DataRow("cut.jpg")]
    [DataRow("huge.png")]
    public void Guarded_bytes_path_refuses_truncated_and_oversized_images_naming_the_file(string bad)
    {
        using var data = new TestData(perClass: 1, imageSize: 32);
        string first = Path.Combine(data.Folder, data.Rows[0].Path);
        byte[] bytes = bad switch
        {
            "cut.png" => File.ReadAllBytes(first)[..(int)(new FileInfo(first).Length / 2)],
            "cut.jpg" => Jpeg(first)[..(int)(Jpeg(first).Length * 5 / 8)],
            _ => [],
        };
        if (bad == "huge.png") ViTok.Models.Tests.Data.TestFiles.PngHeaderOnly(Path.Combine(data.Folder, bad), 15000, 15000);
        else File.WriteAllBytes(Path.Combine(data.Folder, bad), bytes);
        var rows = data.Rows.ToList();
        rows.Insert(2, new ImageRow { Path = bad, Label = "bad" });

        var ml = new MLContext(seed: 1);
        var files = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.LoadRawImageBytes("Bytes", data.Folder, nameof(ImageRow.Path))
            .Append(ml.Transforms.TokenizeImages(new TokenizeImagesOptions { OutputColumnName = "Latent", InputColumnName = "Bytes", TokenizerPath = data.TokenizerPath, BatchSize = 2 }))
            .Fit(files);
        var e = Assert.Throws<InvalidDataException>(() => model.Transform(files).GetColumn<VBuffer<float>>("Latent").ToList());
        StringAssert.Contains(e.Message, $"Column 'Bytes', row 2 (Path '{bad}', Label 'bad')");
        StringAssert.Contains(e.Message, bad switch { "cut.png" => "could not be decoded", "cut.jpg" => "truncated", _ => "exceeds the limit" });

        var sound = ml.Data.LoadFromEnumerable(data.Rows);
        Assert.AreEqual(data.Rows.Count, model.Transform(sound).GetColumn<VBuffer<float>>("Latent").Count());
    }

    static byte[] Jpeg(string png)
    {
        using var image = SixLabors.ImageSharp.Image.Load(png);
        var m = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, m);
        return m.ToArray();
    }
}
