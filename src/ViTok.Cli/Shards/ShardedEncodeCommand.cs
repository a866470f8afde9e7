using ViTok.Cli.Verbs;
using ViTok.Models.Clips;
using ViTok.Models.Runtime;
using ViTok.Models.Tokenizer;

namespace ViTok.Cli.Shards;

/// <summary>`vitok encode --shard ...`: checks the options that sharding constrains, opens the source and runs the shard.</summary>
static class ShardedEncodeCommand
{
    public static int Run(ShardSpec shard, int itemsPerPart, string modelPath, string data, string output, int batch,
        bool sample, bool bf16, bool skipBadFiles, ComputeOptions compute, TextWriter log)
    {
        if (TokenizerModels.Read("--model", modelPath).NativeResolution)
            throw new UsageException("--shard: sharded encoding takes a fixed-size tokenizer file; native-resolution ones (ViTok-v2 checkpoint folders) are encoded unsharded (--out FILE).");
        if (sample)
            throw new UsageException("--sample: posterior samples are seeded per batch, so they would depend on how the items were sharded; sharded encoding writes posterior means.");
        if (File.Exists(output)) throw new UsageException($"--out: '{output}' is a file; with --shard, --out is the dataset folder that receives {shard.Name}.parquet.");
        var config = TokenizerFile.ReadConfig(modelPath);
        var source = DataOptions.Open("--data", data, new ClipSourceDefaults(config.ImageSize, config.Frames));
        try
        {
            ShardedEncoding.Run(new ShardedEncodingOptions
            {
                OutputFolder = output, Shard = shard, SourceText = data, Source = source, ModelPath = modelPath, Config = config,
                Batch = batch, BFloat16 = bf16, SkipBadFiles = skipBadFiles, Compute = compute, ItemsPerPart = itemsPerPart,
            }, log);
        }
        catch (ShardMismatchException e) { throw new UsageException($"--shard: {e.Message}"); }
        return VitokApp.Success;
    }
}
