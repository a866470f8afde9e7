using ViTok.Models.Tokenizer;

namespace ViTok.Models.Tests.Tokenizer;

[TestClass]
public sealed class CustomSizeTests
{
    [TestMethod]
    public void Custom_sizes_parse_and_survive_a_config_round_trip()
    {
        var config = ViTokConfig.FromVariant("w144d3-W96D2H3/8", channels: 4, imageSize: 32);
        Assert.AreEqual(new ViTSize("w144d3", 144, 3, 3), config.Encoder);
        Assert.AreEqual(new ViTSize("w96d2h3", 96, 2, 3), config.Decoder);
        Assert.AreEqual("w144d3-w96d2h3/8", config.Variant);
        Assert.AreEqual(config, ViTokConfig.FromJson(config.ToJson()));
        using var model = new ViTokAutoEncoder(config);
        Assert.AreEqual(TokenizerCost.Of(config).Total.Params, model.parameters().Sum(p => p.numel()));
        Assert.AreSame(ViTSize.T, ViTSize.Parse("t"));
    }

    [TestMethod]
    [DataRow("w100d2", "not a multiple of 48")]
    [DataRow("w96d2h5", "not divisible by 5 heads")]
    [DataRow("w0d2", "at least 1")]
    [DataRow("X", "w<width>d<depth>[h<heads>]")]
    public void Bad_custom_sizes_are_named(string size, string expected)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ViTSize.Parse(size));
        StringAssert.Contains(e.Message, expected);
        StringAssert.Contains(e.Message, size);
    }
}
