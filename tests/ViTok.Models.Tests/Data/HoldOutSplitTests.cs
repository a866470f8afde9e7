using ViTok.Models.Clips;

namespace ViTok.Models.Tests.Data;

[TestClass]
public sealed class HoldOutSplitTests
{
    [TestMethod]
    public void Held_out_part_is_a_fixed_disjoint_fraction()
    {
        var source = new FakeSource(50);
        var (train, held) = HoldOutSplit.Split(source, 0.1, seed: 3);
        Assert.AreEqual(45, train.Count);
        Assert.AreEqual(5, held.Count);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).ToArray(), train.Indices.Concat(held.Indices).ToArray());
        CollectionAssert.AreEqual(held.Indices.Order().ToArray(), held.Indices.ToArray(), "each part keeps source order");

        var (_, again) = HoldOutSplit.Split(new FakeSource(50), 0.1, seed: 3);
        CollectionAssert.AreEqual(held.Indices.ToArray(), again.Indices.ToArray());
        var (_, other) = HoldOutSplit.Split(source, 0.1, seed: 4);
        CollectionAssert.AreNotEqual(held.Indices.ToArray(), other.Indices.ToArray());
        CollectionAssert.AreNotEqual(Enumerable.Range(45, 5).ToArray(), held.Indices.ToArray(), "not simply the last items");

        var clip = held.Read(2, new Random(0));
        Assert.AreEqual(held.Indices[2], FakeSource.ItemOf(clip));
        StringAssert.Contains(held.Description, "held-out part: 5 items");
    }

    [TestMethod]
    public void At_least_one_item_is_held_out_and_bad_fractions_are_rejected()
    {
        var (train, held) = HoldOutSplit.Split(new FakeSource(3), 0.01);
        Assert.AreEqual((2, 1), (train.Count, held.Count));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HoldOutSplit.Split(new FakeSource(3), 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HoldOutSplit.Split(new FakeSource(3), 1));
        Assert.ThrowsExactly<ArgumentException>(() => HoldOutSplit.Split(new FakeSource(1), 0.5));
    }
}
