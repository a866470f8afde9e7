namespace ViTok.MLNet.DataViews;

/// <summary>
/// The check that no NaN or infinite value goes into a model or comes out of one unnoticed: one bad pixel turns a
/// row's whole latent into NaN, and a NaN latent decodes to a black image. Errors name the column and the row.
/// </summary>
static class FiniteValues
{
    /// <summary>Index of the first value that is NaN or infinite, or -1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Throws naming <paramref name="column"/> and <paramref name="row"/> when an input value is NaN or infinite.</summary>
    public static void CheckInput(ReadOnlySpan<float> values, string column, string row)
    {
        int i = FirstNonFinite(values);
        if (i >= 0)
            throw new InvalidDataException($"Column '{column}', {row}: value {i} is {values[i]}; every input value must be finite.");
    }

    /// <summary>
    /// Throws when a computed row holds a NaN or infinite value, naming the output column, the row and what its input
    /// looked like (<paramref name="inputRange"/>), rather than handing on a row of NaN.
    /// </summary>
    public static void CheckOutput(ReadOnlySpan<float> values, string column, string row, Func<string> inputRange)
    {
        int i = FirstNonFinite(values);
        if (i >= 0)
            throw new InvalidDataException($"Column '{column}', {row}: the model computed {values[i]} (value {i}); {inputRange()}.");
    }

    /// <summary>"values range from A to B" over <paramref name="values"/>.</summary>
    public static string Range(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return "no values";
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in values)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        return $"values range from {lo} to {hi}";
    }
}
