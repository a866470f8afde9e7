using ViTok.Models.Metrics;

namespace ViTok.Models.Training;

/// <summary>
/// The outcome of <see cref="ImageClassifierTrainer.Train"/>: the trained model (in eval mode; the caller disposes
/// it), its accuracy on the test source (null without one), the steps taken and the time spent.
/// </summary>
public sealed record ImageClassifierTrainingResult(ImageClassifier Model, ClassAccuracy? Test, long Steps, TimeSpan Elapsed);
