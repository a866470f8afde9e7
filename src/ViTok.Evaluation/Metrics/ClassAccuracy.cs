namespace ViTok.Models.Metrics;

/// <summary>One class's share of a class-accuracy measurement.</summary>
/// <param name="Label">The class index.</param>
/// <param name="Name">The class name.</param>
/// <param name="Requested">Images that should show this class.</param>
/// <param name="Correct">Of those, the ones the classifier assigns to it.</param>
/// <param name="Predicted">Images of the whole set the classifier assigns to this class (whatever was requested).</param>
public sealed record ClassScore(int Label, string Name, int Requested, int Correct, int Predicted)
{
    /// <summary>Correct / Requested; null when no image requested this class.</summary>
    public double? Accuracy => Requested == 0 ? null : (double)Correct / Requested;
}

/// <summary>
/// The fraction of images the classifier assigns to the class they should show ("class accuracy"; on real data with
/// true labels this is the ordinary test accuracy), overall and per class.
/// </summary>
public sealed record ClassAccuracy(int Count, int Correct, IReadOnlyList<ClassScore> PerClass)
{
    /// <summary>Correct / Count.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>Scores predictions against the requested labels (each in 0..classes-1, one per prediction).</summary>
    public static ClassAccuracy Of(IReadOnlyList<int> predicted, IReadOnlyList<int> requested, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(classNames);
        if (predicted.Count != requested.Count)
            throw new ArgumentException($"{requested.Count} requested label(s) for {predicted.Count} image(s); give one label per image.", nameof(requested));
        int k = classNames.Count;
        var requestedCounts = new int[k];
        var correct = new int[k];
        var predictedCounts = new int[k];
        for (int i = 0; i < predicted.Count; i++)
        {
            int want = requested[i], got = predicted[i];
            if (want < 0 || want >= k)
                throw new ArgumentException($"Requested label {want} of image {i} is outside the classifier's {k} classes (0..{k - 1}).", nameof(requested));
            if (got < 0 || got >= k) throw new ArgumentException($"Predicted label {got} of image {i} is outside 0..{k - 1}.", nameof(predicted));
            requestedCounts[want]++;
            predictedCounts[got]++;
            if (want == got) correct[want]++;
        }
        var perClass = Enumerable.Range(0, k).Select(c => new ClassScore(c, classNames[c], requestedCounts[c], correct[c], predictedCounts[c])).ToArray();
        return new ClassAccuracy(predicted.Count, correct.Sum(), perClass);
    }
}
