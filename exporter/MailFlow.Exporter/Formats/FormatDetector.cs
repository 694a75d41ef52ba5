namespace MailFlow.Exporter.Formats;

/// <summary>Chooses the format of an input from its first lines.</summary>
public static class FormatDetector
{
    /// <summary>Lines sampled for detection.</summary>
    public const int SampleLines = 200;

    /// <summary>A format must be at least this sure to be chosen.</summary>
    public const double MinimumConfidence = 0.3;

    /// <summary>The best format for the sample, or null with the reason when none fits.</summary>
    public static (ILogFormat? Format, string? Reason) Detect(IReadOnlyList<string> sample, IReadOnlyList<ILogFormat> formats)
    {
        if (sample.Count == 0)
        {
            return (null, "empty input");
        }

        ILogFormat? best = null;
        var bestScore = 0.0;
        foreach (var format in formats)
        {
            var score = format.Detect(sample);
            if (score > bestScore)
            {
                best = format;
                bestScore = score;
            }
        }

        return bestScore >= MinimumConfidence
            ? (best, null)
            : (null, $"unknown log format (expected one of: {string.Join(", ", formats.Select(f => f.Name))}; use --format to choose)");
    }
}
