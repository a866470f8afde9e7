using ViTok.Cli.Verbs;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli;

/// <summary>The tokenizer a --model option names, as the verbs see it: its shape (fixed size or native resolution), whichever family.</summary>
static class TokenizerModels
{
    /// <summary>The shape of the tokenizer at <paramref name="path"/> (a file or a ViTok-v2 folder), from headers only;
    /// a usage error naming <paramref name="option"/> when it is neither.</summary>
    public static TokenizerShape Read(string option, string path)
    {
        if (!File.Exists(path) && !TokenizerFiles.IsFolder(path))
            throw new UsageException($"{option}: tokenizer file '{path}' does not exist (nor is it a folder holding encoder.safetensors or decoder.safetensors).");
        return TokenizerFiles.ReadShape(path);
    }
}
