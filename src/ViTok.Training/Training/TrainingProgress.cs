namespace ViTok.Models.Training;

/// <summary>One progress report: the step, the loss and its terms, throughput and time left.</summary>
public sealed record TrainingProgress(long Step, long Steps, double Loss, IReadOnlyDictionary<string, double> Terms,
    double ItemsPerSecond, TimeSpan Eta, double LearningRate, IReadOnlyDictionary<string, double>? Evaluation = null);

/// <summary>How a run ended.</summary>
public sealed record TrainingResult(long Step, bool Completed, string? LastCheckpoint, string? ExportedModel,
    IReadOnlyList<string> SkippedItems, IReadOnlyDictionary<string, double>? LastEvaluation);

/// <summary>The loss stopped being a finite number; the run stopped and left its checkpoints untouched.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
