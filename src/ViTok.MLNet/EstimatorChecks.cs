using Microsoft.ML;

namespace ViTok.MLNet;

/// <summary>Checks shared by the ViTok estimators, before any work.</summary>
static class EstimatorChecks
{
    public static void Validate(string output, int batchSize, string? tokenizerPath, object? tokenizer, string optionsName)
    {
        if (string.IsNullOrWhiteSpace(output))
            throw new ArgumentException("OutputColumnName must name the column to add.", optionsName);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(optionsName, batchSize, "BatchSize must be at least 1.");
        if ((tokenizerPath is null) == (tokenizer is null))
            throw new ArgumentException("Give exactly one of TokenizerPath (a tokenizer file) and Tokenizer (a model in memory).", optionsName);
        if (tokenizerPath is not null && !File.Exists(tokenizerPath) && !Models.Tokenizer.TokenizerFiles.IsFolder(tokenizerPath))
            throw new FileNotFoundException($"Tokenizer file '{tokenizerPath}' does not exist (nor is it a ViTok-v2 folder holding encoder.safetensors or decoder.safetensors).", tokenizerPath);
    }

    /// <summary>The input schema with <paramref name="column"/> added (or replacing one of the same name).</summary>
    public static SchemaShape With(SchemaShape input, SchemaShape.Column column)
    {
        var columns = input.ToDictionary(c => c.Name);
        columns[column.Name] = column;
        return new SchemaShape(columns.Values);
    }
}
