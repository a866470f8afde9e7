namespace ViTok.Models.Metrics;

/// <summary>
/// What <see cref="GeneratedImageMetrics"/> measures on a set of images with an <see cref="ImageClassifier"/>.
/// </summary>
/// <param name="Count">Images measured.</param>
/// <param name="Classifier">The classifier's label (its file name).</param>
/// <param name="IsLabel">"IS-{Classifier}".</param>
/// <param name="InceptionScore">Mean over <paramref name="Splits"/> splits of exp(E KL(p(y|x) || p(y))).</param>
/// <param name="InceptionScoreStd">Standard deviation over the splits.</param>
/// <param name="Splits">Splits used: 10 (the usual convention), fewer when there are fewer than 10 images.</param>
/// <param name="FdLabel">"FD-{Classifier}".</param>
/// <param name="Fd">Frechet distance to the reference statistics in the classifier's feature space; null without a reference.</param>
/// <param name="FdNote">Why <paramref name="Fd"/> is null.</param>
/// <param name="ClassAccuracy">Agreement with the requested labels; null when none were given.</param>
public sealed record GeneratedImageScores(
    int Count,
    string Classifier,
    string IsLabel,
    double InceptionScore,
    double InceptionScoreStd,
    int Splits,
    string FdLabel,
    double? Fd,
    string? FdNote,
    ClassAccuracy? ClassAccuracy);
