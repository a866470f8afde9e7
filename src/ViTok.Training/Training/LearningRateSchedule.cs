namespace ViTok.Models.Training;

/// <summary>Linear warm-up to the peak, then cosine decay to a floor (the paper's recipe: about 3 % warm-up).</summary>
public sealed record LearningRateSchedule(double Peak, long TotalSteps, double WarmupFraction = 0.03, double FloorFraction = 0.1)
{
    public double At(long step)
    {
        long warmup = Math.Max(1, (long)Math.Round(TotalSteps * WarmupFraction));
        if (step < warmup) return Peak * (step + 1) / warmup;
        double progress = Math.Clamp((double)(step - warmup) / Math.Max(1, TotalSteps - warmup), 0, 1);
        double floor = Peak * FloorFraction;
        return floor + (Peak - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
