using System.CommandLine;
using System.Globalization;
using ViTok.Cli.Verbs;

namespace ViTok.Cli.Shards;

/// <summary>
/// --shard, --shard-count, --shard-index-from and --items-per-part of `vitok encode`: which shard this worker writes
/// (given as K/N, or as N with K read from an environment variable the scheduler sets, named explicitly) and how many
/// items each committed part holds.
/// </summary>
public sealed class ShardOptionSet
{
    readonly Option<string> _shard = new("--shard") { Description = "Write shard K of N (K/N, from 0): a deterministic 1/N of the items, as part-K-of-N.parquet in the --out folder, resumable. See docs/scale-out.md." };
    readonly Option<int?> _count = new("--shard-count") { Description = "N, with --shard-index-from: the number of shards." };
    readonly Option<string> _indexFrom = new("--shard-index-from") { Description = "Read K from this environment variable (e.g. JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID); needs --shard-count." };
    readonly Option<int> _itemsPerPart = new("--items-per-part") { Description = "Items per committed part of a shard: a killed worker resumes after its last committed part.", DefaultValueFactory = _ => ShardedEncoding.Defaults.ItemsPerPart };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _shard, _count, _indexFrom, _itemsPerPart }) command.Options.Add(o);
    }

    /// <summary>The shard asked for, or null when none of the shard options is given; a bad combination is a usage error.</summary>
    public ShardSpec? Read(ParseResult parse, Func<string, string?> environment)
    {
        string? text = parse.GetValue(_shard);
        int? count = parse.GetValue(_count);
        string? variable = parse.GetValue(_indexFrom);
        bool partsGiven = parse.GetResult(_itemsPerPart) is { Implicit: false };
        try
        {
            if (text is not null)
            {
                if (count is not null || variable is not null) throw new UsageException("--shard: give either --shard K/N or --shard-count N with --shard-index-from VARIABLE, not both.");
                return ShardSpec.Parse("--shard", text);
            }
            if (variable is null && count is null)
            {
                if (partsGiven) throw new UsageException("--items-per-part: applies to sharded encoding only (--shard K/N, or --shard-count with --shard-index-from).");
                return null;
            }
            if (variable is null) throw new UsageException("--shard-count: needs --shard-index-from VARIABLE (or use --shard K/N).");
            if (count is null) throw new UsageException("--shard-index-from: needs --shard-count N.");
            string? value = environment(variable);
            if (string.IsNullOrWhiteSpace(value)) throw new UsageException($"--shard-index-from: the environment variable '{variable}' is not set.");
            if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw new UsageException($"--shard-index-from: the environment variable '{variable}' is '{value}', not a shard number.");
            return ShardSpec.Create($"--shard-index-from ({variable}={value.Trim()})", index, count.Value);
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    /// <summary>Items per committed part; below 1 is a usage error.</summary>
    public int ItemsPerPart(ParseResult parse)
    {
        int n = parse.GetValue(_itemsPerPart);
        if (n < 1) throw new UsageException($"--items-per-part: {n} must be at least 1.");
        return n;
    }
}
