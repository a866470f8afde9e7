using System.Buffers.Binary;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.MLNet;
using ViTok.Models.Clips;
using ViTok.Models.Training;

namespace ViTok.MLNet.Tests;

/// <summary>
/// ReadImages, the guarded image step: the pixels `vitok` reads from the same files, and a truncated JPEG, a
/// decompression bomb, a PPM and a file over the pixel limit refused with errors naming the column, the row and the file.
/// </summary>
[TestClass]
public sealed class ReadImagesTests
{
    sealed class FileRow { public string File { get; set; } = ""; }

    static IDataView Files(MLContext ml, params string[] files) => ml.Data.LoadFromEnumerable(files.Select(f => new FileRow { File = f }).ToArray());

    [TestMethod]
    [DataRow(16)]
    [DataRow(0)]
    public void It_gives_the_pixels_the_command_line_reads_from_the_same_files(int size)
    {
        using var data = new TestData(perClass: 2, imageSize: 40);
        var ml = new MLContext(seed: 1);
        var files = data.Rows.Select(r => r.Path).ToArray();
        var model = ml.Transforms.ReadImages("Image", data.Folder, "File", imageSize: size).Fit(Files(ml, files));
        var column = model.Transform(Files(ml, files)).GetColumn<MLImage>("Image").ToList();
        var transform = size > 0 ? ImageTransform.ResizeAndCrop(size) : ImageTransform.None;
        for (int i = 0; i < files.Length; i++)
        {
            using var expected = ImageFolderSource.Decode(Path.Combine(data.Folder, files[i]));
            transform.Apply(expected, new Random(0));
            var image = column[i];
            Assert.AreEqual((expected.Width, expected.Height), (image.Width, image.Height), files[i]);
            Assert.AreEqual(MLPixelFormat.Bgra32, image.PixelFormat);
            var pixels = image.Pixels;
            for (int y = 0; y < expected.Height; y++)
                for (int x = 0; x < expected.Width; x++)
                {
                    var p = expected[x, y];
                    int o = (y * expected.Width + x) * 4;
                    Assert.AreEqual((p.B, p.G, p.R, (byte)255), (pixels[o], pixels[o + 1], pixels[o + 2], pixels[o + 3]), $"{files[i]} ({x}, {y})");
                }
        }
        var type = (Microsoft.ML.Transforms.Image.ImageDataViewType)model.GetOutputSchema(Files(ml, files).Schema)["Image"].Type;
        Assert.AreEqual((size, size), (type.Width, type.Height), "the column states the size (0 x 0: each image's own)");
        var shape = ml.Transforms.ReadImages("Image", data.Folder, "File", imageSize: size).GetOutputSchema(ViTok.MLNet.Tests.Contract.RowValues.ShapeOf(Files(ml, files).Schema));
        var stated = (Microsoft.ML.Transforms.Image.ImageDataViewType)shape.Single(c => c.Name == "Image").ItemType;
        Assert.AreEqual((size, size), (stated.Width, stated.Height), "so does the estimator's schema, for the next estimator's check");
    }

    /// <summary>A PNG whose header declares <paramref name="side"/> x <paramref name="side"/> pixels and holds almost no data.</summary>
    static byte[] BombPng(int side)
    {
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        void Chunk(string type, byte[] body)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
            png.Write(length);
            var typed = Encoding.ASCII.GetBytes(type).Concat(body).ToArray();
            png.Write(typed);
            var crc = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
            png.Write(crc);
        }
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, side);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), side);
        ihdr[8] = 8; ihdr[9] = 2;   // 8-bit RGB
        Chunk("IHDR", ihdr);
        Chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk("IEND", []);
        return png.ToArray();
    }

    /// <summary>PNG's CRC-32 (ISO 3309, reflected polynomial 0xEDB88320).</summary>
    static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    [TestMethod]
    public void A_truncated_jpeg_a_bomb_a_ppm_and_an_image_over_the_limit_are_refused_naming_the_file()
    {
        using var data = new TestData(perClass: 1, imageSize: 40);
        string good = data.Rows[0].Path;
        var rng = new Random(3);
        using (var photo = new Image<Rgb24>(48, 48))
        {
            photo.ProcessPixelRows(rows => { for (int y = 0; y < rows.Height; y++) foreach (ref var p in rows.GetRowSpan(y)) p = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)); });
            photo.SaveAsJpeg(Path.Combine(data.Folder, "whole.jpg"));   // noise: the scan is most of the file
        }
        var jpeg = File.ReadAllBytes(Path.Combine(data.Folder, "whole.jpg"));
        File.WriteAllBytes(Path.Combine(data.Folder, "cut.jpg"), jpeg[..(jpeg.Length * 9 / 10)]);   // cut inside the scan
        File.WriteAllBytes(Path.Combine(data.Folder, "bomb.png"), BombPng(15000));
        var png = File.ReadAllBytes(Path.Combine(data.Folder, good));
        File.WriteAllBytes(Path.Combine(data.Folder, "cut.png"), png[..(png.Length * 2 / 3)]);
        File.WriteAllBytes(Path.Combine(data.Folder, "cut.ppm"), [.. Encoding.ASCII.GetBytes("P6\n8 8\n255\n"), .. new byte[8 * 4 * 3]]);   // half its rows

        var ml = new MLContext(seed: 1);
        string Error(string file, long maxPixels = ReadImagesEstimator.Defaults.MaxPixels)
        {
            var input = Files(ml, good, file);
            var model = ml.Transforms.ReadImages(new ReadImagesOptions { OutputColumnName = "Image", InputColumnName = "File", ImageFolder = data.Folder, ImageSize = 32, MaxPixels = maxPixels }).Fit(input);
            var e = Assert.Throws<InvalidDataException>(() => model.Transform(input).GetColumn<MLImage>("Image").ToList(), file);
            StringAssert.Contains(e.Message, "Column 'File', row 1", file);
            StringAssert.Contains(e.Message, Path.Combine(data.Folder, file), file);
            return e.Message;
        }
        StringAssert.Contains(Error("cut.jpg"), "truncated");
        StringAssert.Contains(Error("bomb.png"), "225000000 pixels exceeds the limit of 40000000 pixels");
        StringAssert.Contains(Error("cut.ppm"), "not a recognised image format");   // ImageSharp would read it, its missing rows black
        StringAssert.Contains(Error("cut.png"), "cut.png");
        StringAssert.Contains(Error("whole.jpg", maxPixels: 2000), "2304 pixels exceeds the limit of 2000 pixels");   // row 0 has 40 x 40
        StringAssert.Contains(Error("missing.jpg"), "missing.jpg");
    }

    [TestMethod]
    public void Encoded_bytes_go_through_the_same_guards_naming_the_row_and_its_file()
    {
        using var data = new TestData(perClass: 1, imageSize: 40);
        File.WriteAllBytes(Path.Combine(data.Folder, "bomb.png"), BombPng(15000));
        var ml = new MLContext(seed: 1);
        var input = Files(ml, data.Rows[0].Path, "bomb.png");
        var model = ml.Transforms.LoadRawImageBytes("Bytes", data.Folder, "File")
            .Append(ml.Transforms.ReadImages("Image", imageFolder: null, "Bytes", imageSize: 32)).Fit(input);
        var e = Assert.Throws<InvalidDataException>(() => model.Transform(input).GetColumn<MLImage>("Image").ToList());
        StringAssert.Contains(e.Message, "Column 'Bytes', row 1 (File 'bomb.png')");
        StringAssert.Contains(e.Message, "exceeds the limit");
    }

    [TestMethod]
    public void Bad_options_are_refused_when_the_estimator_is_made_naming_them()
    {
        var ml = new MLContext(seed: 1);
        StringAssert.Contains(Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ReadImages("Image", null, "File", imageSize: -1)).Message, "ImageSize = -1");
        StringAssert.Contains(Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.ReadImages(new ReadImagesOptions { OutputColumnName = "Image", MaxPixels = 0 })).Message, "MaxPixels = 0");
        StringAssert.Contains(Assert.Throws<DirectoryNotFoundException>(() => ml.Transforms.ReadImages("Image", "/no/such/folder", "File")).Message, "/no/such/folder");
        Assert.Throws<ArgumentException>(() => ml.Transforms.ReadImages("", null, "File"));
    }
}
