using ParquetSharp;
using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ImageListSourceTests
{
    string _dir = "";

    [TestInitialize]
    public void Init() => _dir = TestFiles.NewFolder("list");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    string P(string relative) => Path.Combine(_dir, relative);

    void Images()
    {
        TestFiles.SolidImage(P("img/a.png"), 8, 6, new Rgb24(200, 30, 30));
        TestFiles.SolidImage(P("img/b.png"), 8, 6, new Rgb24(30, 200, 30));
        TestFiles.SolidImage(P("other/c.png"), 8, 6, new Rgb24(30, 30, 200));
    }

    [TestMethod]
    public void A_text_list_names_images_relative_to_its_folder_or_absolute_in_list_order()
    {
        Images();
        File.WriteAllLines(P("list.txt"), ["img/b.png", "", "  " + P("other/c.png"), "img/a.png"]);

        var source = new ImageListSource(P("list.txt"));

        Assert.AreEqual(3, source.Count);
        CollectionAssert.AreEqual(new[] { "img/b.png", P("other/c.png"), "img/a.png" }, Enumerable.Range(0, 3).Select(source.Key).ToArray());
        var clip = source.Read(0, new Random(0));
        Assert.AreEqual(P("img/b.png"), clip.Origin);
        Assert.AreEqual(-1, clip.Label);
        Assert.AreEqual(TestFiles.Unit(200), clip.Pixels[48], 0.01f);      // green plane of the green image
        // The same pixels as the folder source gives for the same file.
        var folder = new ImageFolderSource(P("img"));
        CollectionAssert.AreEqual(folder.Read(1, new Random(0)).Pixels, clip.Pixels);
    }

    [TestMethod]
    public void A_csv_list_reads_the_named_column_with_quotes_and_an_optional_label_column()
    {
        Images();
        File.WriteAllLines(P("list.csv"), ["id,\"file, path\",class", "1,img/a.png,cat", "2,\"img/b.png\",dog", "3,other/c.png,cat"]);

        var source = new ImageListSource(P("list.csv"), new ImageListOptions { Column = "file, path", LabelColumn = "class" });

        Assert.AreEqual(3, source.Count);
        CollectionAssert.AreEqual(new[] { "cat", "dog" }, source.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 0 }, Enumerable.Range(0, 3).Select(i => source.Read(i, new Random(0)).Label).ToArray());
        Assert.AreEqual(P("other/c.png"), source.Read(2, new Random(0)).Origin);
    }

    [TestMethod]
    public void A_parquet_list_reads_a_text_column()
    {
        Images();
        using (var writer = new ParquetFileWriter(P("list.parquet"), [new Column<int>("n"), new Column<string>("path")]))
        {
            using var group = writer.AppendRowGroup();
            using (var n = group.NextColumn().LogicalWriter<int>()) n.WriteBatch([1, 2]);
            using (var path = group.NextColumn().LogicalWriter<string>()) path.WriteBatch(["other/c.png", "img/a.png"]);
            writer.Close();
        }

        var source = new ImageListSource(P("list.parquet"));

        CollectionAssert.AreEqual(new[] { "other/c.png", "img/a.png" }, new[] { source.Key(0), source.Key(1) });
        Assert.AreEqual(P("img/a.png"), source.Read(1, new Random(0)).Origin);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new ImageListSource(P("list.parquet"), new ImageListOptions { Column = "n" }));
        StringAssert.Contains(e.Message, "column 'n' holds Int32, not text");
    }

    [TestMethod]
    public void A_missing_file_is_a_bad_item_when_read_not_when_listed()
    {
        Images();
        File.WriteAllLines(P("list.txt"), ["img/a.png", "img/gone.png"]);
        var source = new ImageListSource(P("list.txt"));
        Assert.AreEqual(2, source.Count);
        var e = Assert.ThrowsExactly<BadItemException>(() => source.Read(1, new Random(0)));
        Assert.AreEqual(P("img/gone.png"), e.Origin);
        StringAssert.Contains(e.Message, "could not be read");
    }

    [TestMethod]
    public void Malformed_lists_are_refused_naming_the_file_and_line_or_column()
    {
        File.WriteAllLines(P("twice.txt"), ["a.png", "./a.png"]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new ImageListSource(P("twice.txt")));
        StringAssert.Contains(e.Message, "twice.txt', line 2");
        StringAssert.Contains(e.Message, "listed already at line 1");

        File.WriteAllLines(P("nocol.csv"), ["file,class", "a.png,x"]);
        e = Assert.ThrowsExactly<InvalidDataException>(() => new ImageListSource(P("nocol.csv")));
        StringAssert.Contains(e.Message, "no column 'path' (columns: file, class)");

        File.WriteAllLines(P("empty.csv"), ["path,class", ",x"]);
        e = Assert.ThrowsExactly<InvalidDataException>(() => new ImageListSource(P("empty.csv")));
        StringAssert.Contains(e.Message, "empty.csv', line 2: the path is empty");

        File.WriteAllLines(P("quote.csv"), ["path", "\"a.png"]);
        e = Assert.ThrowsExactly<InvalidDataException>(() => new ImageListSource(P("quote.csv")));
        StringAssert.Contains(e.Message, "line 2: a quoted field is not closed");

        File.WriteAllLines(P("none.txt"), ["", " "]);
        e = Assert.ThrowsExactly<InvalidDataException>(() => new ImageListSource(P("none.txt")));
        StringAssert.Contains(e.Message, "lists no file");

        Assert.ThrowsExactly<FileNotFoundException>(() => new ImageListSource(P("missing.txt")));
        var a = Assert.ThrowsExactly<ArgumentException>(() => new ImageListSource(P("none.txt"), new ImageListOptions { LabelColumn = "class" }));
        StringAssert.Contains(a.Message, "needs a .csv or .parquet list");
    }

    [TestMethod]
    public void The_list_scheme_opens_with_keys_and_the_models_size()
    {
        Images();
        File.WriteAllLines(P("list.csv"), ["path,y", "img/a.png,1"]);
        var source = ClipSourceSpec.Open($"list:{P("list.csv")}?label=y&max-pixels=1000", new ClipSourceDefaults(Size: 4));
        var clip = source.Read(0, new Random(0));
        Assert.AreEqual((4, 4, 0), (clip.Height, clip.Width, clip.Label));
        var e = Assert.ThrowsExactly<ArgumentException>(() => ClipSourceSpec.Parse("list:x.txt?labels=subfolders"));
        StringAssert.Contains(e.Message, "unknown key 'labels' for list");
    }
}
