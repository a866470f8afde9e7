using Microsoft.ML;
using Microsoft.ML.Data;
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
    public static VectorDataViewType Type(ViTokConfig tokenizer, LatentLayout layout) => layout == LatentLayout.Grid
        ? new VectorDataViewType(NumberDataViewType.Single, tokenizer.GridT, tokenizer.GridH, tokenizer.GridW, tokenizer.Channels)
        : new VectorDataViewType(NumberDataViewType.Single, tokenizer.Tokens, tokenizer.Channels);

    /// <summary>A getter that copies the latent of the current row's batch slot into the caller's buffer.</summary>
    public static ValueGetter<VBuffer<float>> Getter(float[][] latents, Func<int> slot) => (ref VBuffer<float> dst) =>
    {
        var latent = latents[slot()];
        var editor = VBufferEditor.Create(ref dst, latent.Length);
        latent.AsSpan().CopyTo(editor.Values);
        dst = editor.Commit();
    };
}
