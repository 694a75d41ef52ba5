using MailFlow.Contracts.Schema;

namespace MailFlow.Exporter.Rollups;

/// <summary>Whole buckets of one tier to recompute: from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive), both aligned.</summary>
public readonly record struct RollupSpan(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// One tier's work: recompute <see cref="Spans"/> of <see cref="Tier"/> from the finer measurements whose
/// names end with <see cref="SourceSuffix"/> (<c>""</c> for the minutes themselves), for the series of
/// <see cref="Sources"/> only.
/// </summary>
public sealed record RollupStep(RollupTier Tier, string SourceSuffix, IReadOnlyList<RollupSpan> Spans)
{
    /// <summary>
    /// The <c>source</c> tag values (mail servers) whose buckets are recomputed; empty means every source. An
    /// exporter names the sources it wrote, so that exporters sharing a database never rewrite each other's
    /// buckets: a statement that read another server's minutes before that server wrote newer ones would
    /// otherwise overwrite its fresher bucket. <c>""</c> stands for series without a source tag.
    /// </summary>
    public IReadOnlyList<string> Sources { get; init; } = [];
}

/// <summary>
/// Which rollup buckets to recompute, tier by tier, finest first (a tier reads the one below it, so the order
/// matters). Touched buckets are coalesced into aligned spans of at most <see cref="MaxChunk"/>, so that one
/// InfluxQL statement never aggregates more than about 2,000 source points per series (InfluxDB holds a
/// statement's points in memory).
/// </summary>
public static class RollupPlan
{
    /// <summary>
    /// The plan for the buckets holding <paramref name="minutes"/> (the minutes a write touched), limited to the
    /// series of <paramref name="sources"/> (the sources of the points written; empty: every source).
    /// </summary>
    public static IReadOnlyList<RollupStep> ForMinutes(IEnumerable<DateTimeOffset> minutes, IEnumerable<string> sources)
    {
        var only = Distinct(sources);
        var ticks = minutes.Select(m => m.UtcTicks).ToList();
        var steps = new List<RollupStep>(InfluxSchema.RollupTiers.Count);
        var source = "";
        foreach (var tier in InfluxSchema.RollupTiers)
        {
            steps.Add(new RollupStep(tier, source, Coalesce(ticks, tier.Resolution, MaxChunk(tier))) { Sources = only });
            source = tier.Suffix;
        }

        return steps;
    }

    /// <summary>
    /// The plan rebuilding every tier over [<paramref name="from"/>, <paramref name="to"/>), widened to whole
    /// buckets of the coarsest tier (whole UTC days): a day is only right once all its hours are. Limited to the
    /// series of <paramref name="sources"/> when any are given.
    /// </summary>
    public static IReadOnlyList<RollupStep> ForRange(DateTimeOffset from, DateTimeOffset to, IEnumerable<string>? sources = null)
    {
        var only = Distinct(sources ?? []);
        var coarsest = InfluxSchema.RollupTiers[^1].Resolution;
        var start = Floor(from.UtcTicks, coarsest);
        var end = Floor(to.UtcTicks - 1, coarsest) + coarsest.Ticks;
        var steps = new List<RollupStep>(InfluxSchema.RollupTiers.Count);
        var source = "";
        foreach (var tier in InfluxSchema.RollupTiers)
        {
            steps.Add(new RollupStep(tier, source, to <= from ? [] : Chunk(start, end, MaxChunk(tier))) { Sources = only });
            source = tier.Suffix;
        }

        return steps;
    }

    /// <summary>Longest span of one statement: 1 day of minutes for 5m, 7 days of 5m for 1h, 84 days of hours for 1d (about 2,000 points per series).</summary>
    public static TimeSpan MaxChunk(RollupTier tier) => tier.Resolution switch
    {
        var r when r < TimeSpan.FromHours(1) => TimeSpan.FromDays(1),
        var r when r < TimeSpan.FromDays(1) => TimeSpan.FromDays(7),
        _ => TimeSpan.FromDays(84),
    };

    /// <summary>
    /// The aligned buckets holding <paramref name="ticks"/>, as spans of at most <paramref name="maxChunk"/>: a
    /// bucket joins the current span when the span, stretched to include it, still fits in one chunk. Buckets
    /// in the gaps are recomputed too, which is harmless (same points) and cheaper than one statement per
    /// scattered bucket (a week of ingested minutes is 7 statements for the 5m tier, not thousands).
    /// </summary>
    internal static List<RollupSpan> Coalesce(IEnumerable<long> ticks, TimeSpan resolution, TimeSpan maxChunk)
    {
        var spans = new List<RollupSpan>();
        long start = 0;
        long end = 0;
        foreach (var bucket in ticks.Select(t => Floor(t, resolution)).Distinct().Order())
        {
            if (end > start && bucket + resolution.Ticks - start <= maxChunk.Ticks)
            {
                end = bucket + resolution.Ticks;
                continue;
            }

            if (end > start)
            {
                spans.Add(Span(start, end));
            }

            start = bucket;
            end = bucket + resolution.Ticks;
        }

        if (end > start)
        {
            spans.Add(Span(start, end));
        }

        return spans;
    }

    private static string[] Distinct(IEnumerable<string> sources) => [.. sources.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static List<RollupSpan> Chunk(long start, long end, TimeSpan maxChunk)
    {
        // maxChunk is a multiple of every resolution, so chunk edges stay aligned.
        var chunks = new List<RollupSpan>();
        for (var from = start; from < end; from += maxChunk.Ticks)
        {
            chunks.Add(Span(from, Math.Min(end, from + maxChunk.Ticks)));
        }

        return chunks;
    }

    private static RollupSpan Span(long from, long to) => new(new DateTimeOffset(from, TimeSpan.Zero), new DateTimeOffset(to, TimeSpan.Zero));

    /// <summary>The start of the epoch-aligned bucket holding <paramref name="ticks"/> (UTC ticks; the epoch is a whole day of ticks from year 1).</summary>
    private static long Floor(long ticks, TimeSpan resolution)
    {
        var sinceEpoch = ticks - DateTimeOffset.UnixEpoch.UtcTicks;
        var floor = sinceEpoch - (((sinceEpoch % resolution.Ticks) + resolution.Ticks) % resolution.Ticks);
        return floor + DateTimeOffset.UnixEpoch.UtcTicks;
    }
}
