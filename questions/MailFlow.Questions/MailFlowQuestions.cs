using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>
/// The questions, written once over <see cref="IMailFlowTotals"/>: the terminal report, the public API and
/// Grafana ask these, so that they cannot disagree. Callers validate their requests; nothing here reads a store.
/// </summary>
public static class MailFlowQuestions
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>"Outbound and inbound mail flow": messages per direction and TLS version over the range.</summary>
    public static async Task<TlsSummary> SummaryAsync(IMailFlowTotals totals, CancellationToken cancellationToken = default)
    {
        var counts = new TlsCounts[Directions.All.Count];
        var seen = new bool[counts.Length];
        foreach (var total in await totals.DirectionTotalsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            seen[(int)total.Direction] = true;
            counts[(int)total.Direction] = counts[(int)total.Direction].Add(total.Tls, total.Messages, total.Recipients, total.Bytes);
        }

        return new TlsSummary(Directions.All.Where(d => seen[(int)d]).Select(d => new DirectionSummary(d, counts[(int)d])).ToList());
    }

    /// <summary>"Message protected in transit (by TLS)": per UTC day and direction with messages, by date then direction.</summary>
    public static async Task<IReadOnlyList<DayDetail>> PerDayAsync(IMailFlowTotals totals, CancellationToken cancellationToken = default)
    {
        var days = new SortedDictionary<(DateOnly, Direction), TlsCounts>();
        foreach (var total in await totals.DirectionTotalsAsync(Day, cancellationToken).ConfigureAwait(false))
        {
            var key = (DateOnly.FromDateTime(total.Bucket.UtcDateTime), total.Direction);
            days[key] = days.GetValueOrDefault(key).Add(total.Tls, total.Messages, total.Recipients, total.Bytes);
        }

        return days.Where(d => d.Value.Total > 0).Select(d => new DayDetail(d.Key.Item1, d.Key.Item2, d.Value)).ToList();
    }

    /// <summary>
    /// Messages and share per direction and TLS version per epoch-aligned bucket of <paramref name="interval"/>:
    /// every bucket of the range, 0 where a series has none. <paramref name="only"/> narrows the series, never a
    /// denominator (shares stay relative to all messages of the direction in the bucket).
    /// </summary>
    public static async Task<TlsTimeSeries> TimeSeriesAsync(IMailFlowTotals totals, TimeSpan interval, TlsVersion? only, CancellationToken cancellationToken = default)
    {
        var denominators = new Dictionary<(Direction, long), long>();
        var perSeries = new SortedDictionary<(Direction, TlsVersion), Dictionary<long, long>>();
        foreach (var total in await totals.DirectionTotalsAsync(interval, cancellationToken).ConfigureAwait(false))
        {
            var time = total.Bucket.UtcTicks;
            denominators[(total.Direction, time)] = denominators.GetValueOrDefault((total.Direction, time)) + total.Messages;
            if (only is { } version && version != total.Tls)
            {
                continue;
            }

            if (!perSeries.TryGetValue((total.Direction, total.Tls), out var points))
            {
                perSeries[(total.Direction, total.Tls)] = points = [];
            }

            points[time] = points.GetValueOrDefault(time) + total.Messages;
        }

        var bucketTimes = new List<long>();
        for (var start = Floor(totals.From.UtcTicks, interval.Ticks); start < totals.To.UtcTicks; start += interval.Ticks)
        {
            bucketTimes.Add(start);
        }

        var series = perSeries.Select(pair => new TlsSeries(pair.Key.Item1, pair.Key.Item2, bucketTimes.Select(time =>
        {
            var messages = pair.Value.GetValueOrDefault(time);
            var denominator = denominators.GetValueOrDefault((pair.Key.Item1, time));
            return new TlsPoint(new DateTimeOffset(time, TimeSpan.Zero), messages, denominator == 0 ? 0 : 100.0 * messages / denominator);
        }).ToList())).ToList();
        return new TlsTimeSeries(interval, series);
    }

    /// <summary>
    /// Microsoft's Connector report: per UTC day (or the whole range) per direction and connector, messages per TLS
    /// version, rows without messages left out; ordered by day, direction, connector name, connector type.
    /// </summary>
    public static async Task<IReadOnlyList<ConnectorReportRow>> ConnectorReportAsync(IMailFlowTotals totals, bool perDay, CancellationToken cancellationToken = default)
    {
        var rows = new Dictionary<(long Day, Direction Direction, string Connector, ConnectorType Type), (bool Forced, TlsCounts Counts)>();
        foreach (var total in await totals.ConnectorTotalsAsync(perDay ? Day : null, cancellationToken).ConfigureAwait(false))
        {
            var key = (perDay ? total.Bucket.UtcTicks : 0, total.Direction, total.Connector, total.Type);
            var previous = rows.GetValueOrDefault(key);

            // A connector whose Forced TLS setting changed within the bucket counts as forced: the stricter reading.
            rows[key] = (previous.Forced || total.ForcedTls, previous.Counts.Add(total.Tls, total.Messages, total.Recipients, total.Bytes));
        }

        var from = totals.From.ToUniversalTime();
        return rows
            .Where(r => r.Value.Counts.Total > 0)
            .OrderBy(r => r.Key.Day)
            .ThenBy(r => r.Key.Direction)
            .ThenBy(r => r.Key.Connector, StringComparer.Ordinal)
            .ThenBy(r => r.Key.Type)
            .Select(r => new ConnectorReportRow(perDay ? new DateTimeOffset(r.Key.Day, TimeSpan.Zero) : from, r.Key.Direction, r.Key.Connector, r.Key.Type, r.Value.Forced, r.Value.Counts))
            .ToList();
    }

    /// <summary>The active insights over the range (<see cref="InsightRules.Evaluate"/>).</summary>
    public static async Task<IReadOnlyList<Insight>> InsightsAsync(IMailFlowTotals totals, InsightThresholds thresholds, TlsVersion? only, CancellationToken cancellationToken = default) =>
        InsightRules.Evaluate(await ConnectorReportAsync(totals, perDay: false, cancellationToken).ConfigureAwait(false), thresholds, only);

    /// <summary>
    /// Peers still on plaintext or legacy TLS: one row per peer, direction, connector and TLS version, whichever mail
    /// servers logged it (messages summed, the latest sighting kept to the minute, the servers named); ranked busiest first (then
    /// by peer, direction, connector, version) and cut to <paramref name="limit"/> after merging, so that a peer
    /// split over servers ranks by its total.
    /// </summary>
    public static async Task<IReadOnlyList<LegacyPeer>> LegacyPeersAsync(IMailFlowTotals totals, int limit, CancellationToken cancellationToken = default)
    {
        var peers = new Dictionary<(string Peer, Direction Direction, string Connector, TlsVersion Tls), (long Messages, PeerTotal Latest, SortedSet<string> Sources)>();
        foreach (var total in await totals.PeerTotalsAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (total.Peer, total.Direction, total.Connector, total.Tls);
            var merged = peers.TryGetValue(key, out var found) ? found : (0, total, new SortedSet<string>(StringComparer.Ordinal));
            if (total.Source.Length > 0)
            {
                merged.Sources.Add(total.Source);
            }

            peers[key] = (merged.Item1 + total.Messages, total.LastSeen > merged.Item2.LastSeen ? total : merged.Item2, merged.Sources);
        }

        return peers
            .Where(p => p.Value.Messages > 0)
            .OrderByDescending(p => p.Value.Messages)
            .ThenBy(p => p.Key.Peer, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Direction)
            .ThenBy(p => p.Key.Connector, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Tls)
            .Take(Math.Max(0, limit))
            .Select(p => new LegacyPeer(p.Key.Peer, p.Key.Direction, p.Key.Connector, p.Key.Tls, p.Value.Messages, ToMinute(p.Value.Latest.LastSeen), [.. p.Value.Sources], p.Value.Latest.Host, p.Value.Latest.Ip))
            .ToList();
    }

    /// <summary>
    /// Share of one TLS version (<paramref name="only"/>) or of each per connector and direction over the range, for
    /// alert rules; connectors with fewer than <paramref name="minMessages"/> (at least 1) give no row.
    /// </summary>
    public static async Task<IReadOnlyList<ConnectorTlsShare>> ConnectorTlsSharesAsync(IMailFlowTotals totals, long minMessages, TlsVersion? only, CancellationToken cancellationToken = default)
    {
        var rows = await ConnectorReportAsync(totals, perDay: false, cancellationToken).ConfigureAwait(false);
        var versions = only is { } version ? [version] : TlsVersions.All;
        return rows
            .Where(r => r.Messages.Total >= Math.Max(1, minMessages))
            .SelectMany(r => versions.Select(v => new ConnectorTlsShare(r.Connector, r.ConnectorType, r.Direction, r.ForcedTls, v, r.Messages.Percent(v), r.Messages[v], r.Messages.Total)))
            .ToList();
    }

    /// <summary>The connectors seen in the range with their volume, for pickers and variables.</summary>
    public static async Task<IReadOnlyList<KnownConnector>> ConnectorsAsync(IMailFlowTotals totals, CancellationToken cancellationToken = default) =>
        (await ConnectorReportAsync(totals, perDay: false, cancellationToken).ConfigureAwait(false))
            .Select(r => new KnownConnector(r.Connector, r.ConnectorType, r.Direction, r.ForcedTls, r.Messages.Total))
            .ToList();

    /// <summary>
    /// Last sightings to the minute: the store keeps each peer's newest minute (the resolution of every point), so
    /// a report from memory must not claim more precision than the same question asked of InfluxDB.
    /// </summary>
    private static DateTimeOffset ToMinute(DateTimeOffset instant) => new(Floor(instant.UtcTicks, TimeSpan.TicksPerMinute), TimeSpan.Zero);

    /// <summary>The start of the epoch-aligned bucket of <paramref name="size"/> ticks that holds <paramref name="ticks"/>.</summary>
    public static long Floor(long ticks, long size)
    {
        var sinceEpoch = ticks - DateTimeOffset.UnixEpoch.UtcTicks;
        var floored = sinceEpoch - (((sinceEpoch % size) + size) % size);
        return floored + DateTimeOffset.UnixEpoch.UtcTicks;
    }
}
