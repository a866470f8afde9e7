using SixLabors.ImageSharp.PixelFormats;
using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class ShardAssignmentTests
{
    [TestMethod]
    public void A_name_goes_to_sha256_mod_n_as_python_computes_it()
    {
        // int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], 'big') % n
        Assert.AreEqual(1, ShardAssignment.Of("a/b.png", 3));
        Assert.AreEqual(515, ShardAssignment.Of("a/b.png", 1000));
        Assert.AreEqual(2, ShardAssignment.Of("cat/001.jpg", 3));
        Assert.AreEqual(17, ShardAssignment.Of("cat/001.jpg", 1000));
        Assert.AreEqual(0, ShardAssignment.Of("anything", 1));
    }

    [TestMethod]
    public void Every_item_is_in_exactly_one_shard_and_the_split_ignores_the_listing_order()
    {
        string dir = TestFiles.NewFolder("shards");
        try
        {
            string[] names = Enumerable.Range(0, 40).Select(i => $"d{i % 3}/img{i:D2}.png").ToArray();
            foreach (string n in names) TestFiles.SolidImage(Path.Combine(dir, n), 2, 2, new Rgb24(1, 2, 3));
            File.WriteAllLines(Path.Combine(dir, "forward.txt"), names);
            File.WriteAllLines(Path.Combine(dir, "shuffled.txt"), DeterministicRandom.Permutation(names.Length, 5).Select(i => names[i]));
            var folder = new ImageFolderSource(dir);
            var forward = new ImageListSource(Path.Combine(dir, "forward.txt"));
            var shuffled = new ImageListSource(Path.Combine(dir, "shuffled.txt"));

            var seen = new List<string>();
            for (int k = 0; k < 3; k++)
            {
                var (indices, keys) = ShardAssignment.Items(folder, k, 3);
                Assert.IsTrue(keys.Length > 0, $"shard {k} is empty");
                CollectionAssert.AreEqual(keys.Order(StringComparer.Ordinal).ToArray(), keys, "ordered by name");
                CollectionAssert.AreEqual(keys, indices.Select(folder.Key).ToArray());
                Assert.IsTrue(keys.All(key => ShardAssignment.Of(key, 3) == k));
                // The same shard from the list, whichever order it lists the files in.
                CollectionAssert.AreEqual(keys, ShardAssignment.Items(forward, k, 3).Keys);
                CollectionAssert.AreEqual(keys, ShardAssignment.Items(shuffled, k, 3).Keys);
                seen.AddRange(keys);
            }
            CollectionAssert.AreEquivalent(names, seen);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void Sources_without_file_names_split_by_item_number()
    {
        var source = new SyntheticImageSource(new SyntheticImageOptions { Count = 10, Width = 4, Height = 4 });
        var all = Enumerable.Range(0, 4).SelectMany(k => ShardAssignment.Items(source, k, 4).Indices).Order().ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).ToArray(), all);
        Assert.AreEqual(ShardAssignment.Of("7", 4), Enumerable.Range(0, 4).Single(k => ShardAssignment.Items(source, k, 4).Indices.Contains(7)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ShardAssignment.Items(source, 4, 4));
    }
}
