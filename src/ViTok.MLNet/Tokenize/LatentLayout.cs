using Microsoft.ML;
using Microsoft.ML.Data;
using ViTok.MLNet.DataViews;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.MLNet;

/// <summary>Dimensions declared for a latent vector column.</summary>
public enum LatentLayout
{
    /// <summary>[tokens, c].</summary>
    Tokens,
    /// <summary>[t, h, w, c] (the token grid).</summary>
    Grid,
}

/// <summary>The latent vector column every latent-producing mapping adds (tokenize, generate): its type and its getter.</summary>
static class LatentColumn
{
    /// <summary>A float vector [tokens, c] or [t, h, w, c] of a tokenizer's latents.</summary>
    public static VectorDataViewType Type(TokenizerShape tokenizer, LatentLayout layout)
    {
        var grid = tokenizer.Grid;
        return layout == LatentLayout.Grid
            ? new VectorDataViewType(NumberDataViewType.Single, grid.T, grid.H, grid.W, tokenizer.Channels)
            : new VectorDataViewType(NumberDataViewType.Single, grid.Count, tokenizer.Channels);
    }

    /// <inheritdoc cref="Type(TokenizerShape, LatentLayout)"/>
    public static VectorDataViewType Type(ViTokConfig tokenizer, LatentLayout layout) => Type(TokenizerShape.Of(tokenizer), layout);

    /// <summary>The one check of a latent input column (decoder, generator training): a float vector of tokens x c values
    /// (the length checked where the schema states it). Throws naming the column and what was expected.</summary>
    public static void Check(ColumnShape column, TokenizerShape tokenizer, string who)
    {
        int tokens = tokenizer.Grid.Count, length = tokens * tokenizer.Channels;
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.RawType != typeof(float) || column.IsKey || (column.Size != 0 && column.Size != length))
            throw new ArgumentException($"Column '{column.Name}' has type {column.Describe()}; {who} expects a float vector of {length} latents " +
                $"(tokenizer {tokenizer.Variant} ({tokenizer.ImageSize}x{tokenizer.ImageSize}, c={tokenizer.Channels}) makes {tokens} tokens x {tokenizer.Channels} channels = {length} values).");
    }

    /// <inheritdoc cref="Check(ColumnShape, TokenizerShape, string)"/>
    public static void Check(ColumnShape column, ViTokConfig tokenizer, string who) => Check(column, TokenizerShape.Of(tokenizer), who);

    /// <summary>A getter that copies the latent of the current row's batch slot into the caller's buffer: the one copy of a result.</summary>
    public static ValueGetter<VBuffer<float>> Getter(BatchBuffer latents, Func<int> slot) => (ref VBuffer<float> dst) =>
    {
        var editor = VBufferEditor.Create(ref dst, latents.ItemLength);
        latents.Slot(slot()).CopyTo(editor.Values);
        dst = editor.Commit();
    };
}
