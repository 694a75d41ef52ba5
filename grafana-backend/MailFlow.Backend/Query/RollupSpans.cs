using MailFlow.Contracts.Schema;

namespace MailFlow.Backend.Query;

/// <summary>
/// A span of time read from one measurement: a rollup tier or the per-minute measurement itself, whose points are
/// <see cref="Resolution"/> ticks apart.
/// </summary>
internal readonly record struct MeasurementSpan(string Measurement, long From, long To, long Resolution);

/// <summary>
/// Cuts a time range into spans, each read from the coarsest measurement that covers it exactly: whole days
/// from the daily tier, whole hours at the day edges from the hourly tier, whole 5-minute blocks from the 5-minute
/// tier, and only the minutes left at the two edges from the minute points. A 90-day range then costs InfluxDB
/// about 90 points per series instead of 129,600.
/// </summary>
internal static class RollupSpans
{
    private static readonly long Minute = InfluxSchema.BaseResolution.Ticks;

    /// <summary>
    /// The spans of <c>[from, to)</c> (UTC ticks), in time order: with rollups, tier spans from the tiers of
    /// <paramref name="tiered"/> (default: <paramref name="measurement"/>) and the rest from its minute points;
    /// without, one span of <paramref name="measurement"/>'s minutes. Only tiers whose width divides <paramref name="granularity"/> are used, so
    /// that every rollup point falls inside one bucket of a <c>GROUP BY time(granularity)</c>; 0 means no time
    /// grouping (every tier fits).
    /// </summary>
    public static List<MeasurementSpan> Plan(string measurement, long from, long to, long granularity, bool useRollups, string? tiered = null)
    {
        if (!useRollups)
        {
            return [new MeasurementSpan(measurement, from, to, Minute)];
        }

        // The exporter writes the narrow measurement's minutes along with its tiers: the edges read them too.
        var spans = new List<MeasurementSpan>();
        tiered ??= measurement;
        Cut(spans, tiered, tiered, from, to, granularity, InfluxSchema.RollupTiers.Count - 1);
        return spans;
    }

    private static void Cut(List<MeasurementSpan> spans, string measurement, string tiered, long from, long to, long granularity, int coarsest)
    {
        if (from >= to)
        {
            return;
        }

        for (var index = coarsest; index >= 0; index--)
        {
            var tier = InfluxSchema.RollupTiers[index];
            var width = tier.Resolution.Ticks;
            if (granularity % width != 0)
            {
                continue;
            }

            var first = BucketedSums.Floor(from + width - 1, width);
            var last = BucketedSums.Floor(to, width);
            if (first >= last)
            {
                continue;
            }

            Cut(spans, measurement, tiered, from, first, granularity, index - 1);
            spans.Add(new MeasurementSpan(tier.Measurement(tiered), first, last, width));
            Cut(spans, measurement, tiered, last, to, granularity, index - 1);
            return;
        }

        spans.Add(new MeasurementSpan(measurement, from, to, Minute));
    }
}
