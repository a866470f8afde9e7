using Microsoft.ML;
using Microsoft.ML.Data;

namespace ViTok.MLNet.DataViews;

/// <summary>
/// A model that maps one input column to one output column a batch at a time. <see cref="BatchedDataView"/>
/// drives it: it captures B input rows into slots, asks for one forward pass over them, then serves the results
/// row by row. The input schema is checked once per stage (<see cref="Bind"/>: when a transformer gives its output
/// schema, when a data view or row mapper is made), never per cursor. One <see cref="IBatchRun"/> is created per
/// cursor, so its buffers are never shared between threads.
/// </summary>
abstract class BatchedMapping(string inputColumn, string outputColumn, int batchSize)
{
    public string InputColumn { get; } = inputColumn;
    public string OutputColumn { get; } = outputColumn;
    public int BatchSize { get; } = batchSize;
    public abstract DataViewType OutputType { get; }

    /// <summary>Further output columns computed in the same pass (e.g. a latent's grid size), after <see cref="OutputColumn"/>.</summary>
    public virtual IReadOnlyList<(string Name, DataViewType Type)> ExtraOutputs => [];

    /// <summary>Every input column the output is computed from: <see cref="InputColumn"/>, plus any others.</summary>
    public virtual IReadOnlyList<string> InputColumns => [InputColumn];

    /// <summary>
    /// Checks the input columns of <paramref name="schema"/> (exist, type, size; throws naming the column and what was
    /// expected) and returns what starts a run over rows of that schema, one per cursor.
    /// </summary>
    public abstract BatchRunStarter Bind(DataViewSchema schema);
}

/// <summary>Starts a run of a bound <see cref="BatchedMapping"/> over a cursor's rows, with <paramref name="slots"/> rows per batch.</summary>
delegate IBatchRun BatchRunStarter(DataViewRow input, int slots);

interface IBatchRun : IDisposable
{
    /// <summary>Reads the input columns of the input cursor's current row into <paramref name="slot"/>.</summary>
    void Capture(int slot, long rowPosition);

    /// <summary>Runs the model over slots [0, <paramref name="count"/>).</summary>
    void Compute(int count);

    /// <summary>A getter of the output column for the slot that <paramref name="slot"/> names at call time.</summary>
    Delegate OutputGetter(Func<int> slot);

    /// <summary>A getter of extra output column <paramref name="index"/> (see <see cref="BatchedMapping.ExtraOutputs"/>).</summary>
    Delegate ExtraOutputGetter(int index, Func<int> slot) =>
        throw new InvalidOperationException($"This mapping has no extra output column {index}.");
}
