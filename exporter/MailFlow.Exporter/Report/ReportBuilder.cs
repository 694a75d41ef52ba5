using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Pipeline;

namespace MailFlow.Exporter.Report;

/// <summary>Turns day-bucketed counts into the report: widget, details per day, connector report, insights, peers.</summary>
public static class ReportBuilder
{
    /// <summary>Days in the default window, ending with the last day that has data (Microsoft shows the last week).</summary>
    public const int DefaultDays = 7;

    /// <param name="batch">Counts bucketed per day (UTC).</param>
    /// <param name="from">Explicit window start, or null for the default window.</param>
    /// <param name="to">Explicit window end (exclusive), or null.</param>
    /// <param name="settings">Insight thresholds.</param>
    public static ReportModel Build(BatchResult batch, DateTimeOffset? from, DateTimeOffset? to, InsightSettings settings)
    {
        var aggregate = batch.Aggregate;
        var window = ChooseWindow(aggregate, from, to);
        var input = new InputSummary(batch.Inputs, aggregate.Records, aggregate.RecordsOutsideWindow, aggregate.Problems);
        var directions = Directions.All.ToDictionary(d => d, _ => new TlsBreakdown());
        var days = new SortedDictionary<(DateOnly, Direction), TlsBreakdown>();
        var connectors = new Dictionary<(string, Direction), (Connectors.ConnectorInfo Info, Direction Direction, TlsBreakdown Total, SortedDictionary<DateOnly, TlsBreakdown> Days)>();
        if (window is null)
        {
            return new ReportModel(null, directions, [], [], [], [], input, settings);
        }

        foreach (var point in aggregate.Series)
        {
            if (point.Minute < window.From.UtcDateTime.Date || point.Minute >= window.To)
            {
                continue;
            }

            var key = point.Key;
            var date = DateOnly.FromDateTime(point.Minute.UtcDateTime);
            directions[key.Direction].Add(key.Tls, point.Counts);
            GetOrAdd(days, (date, key.Direction)).Add(key.Tls, point.Counts);
            if (!connectors.TryGetValue((key.Connector.Name, key.Direction), out var row))
            {
                row = (key.Connector, key.Direction, new TlsBreakdown(), new SortedDictionary<DateOnly, TlsBreakdown>());
                connectors[(key.Connector.Name, key.Direction)] = row;
            }

            row.Total.Add(key.Tls, point.Counts);
            GetOrAdd(row.Days, date).Add(key.Tls, point.Counts);
        }

        var connectorRows = connectors.Values
            .Select(c => new ConnectorRow(c.Info.Name, c.Info.Type, c.Info.ForcedTls, c.Direction, c.Total, c.Days.Select(d => (d.Key, d.Value)).ToList()))
            .OrderBy(r => r.Direction)
            .ThenBy(r => r.Type == ConnectorType.Internet || r.Type == ConnectorType.Submission ? 1 : 0)
            .ThenByDescending(r => r.Total.Messages)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();

        return new ReportModel(
            window,
            directions,
            days.Select(d => (d.Key.Item1, d.Key.Item2, d.Value)).ToList(),
            connectorRows,
            Insights.Evaluate(connectorRows, settings),
            Peers(aggregate, window, settings.MaxPeers),
            input,
            settings)
        {
            TransitSecurity = TransitSecurityReport.Build(aggregate, window, settings.MaxPeers),
        };
    }

    private static ReportWindow? ChooseWindow(MailFlowAggregator aggregate, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (aggregate.LastTimestamp is not { } last || aggregate.FirstTimestamp is not { } first)
        {
            return from is not null && to is not null ? new ReportWindow(from.Value, to.Value, true) : null;
        }

        if (from is not null || to is not null)
        {
            return new ReportWindow(from ?? first, to ?? last.AddTicks(1), true);
        }

        var end = last.AddTicks(1);
        var start = new DateTimeOffset(last.UtcDateTime.Date, TimeSpan.Zero).AddDays(-(DefaultDays - 1));
        return new ReportWindow(start > first ? start : new DateTimeOffset(first.UtcDateTime.Date, TimeSpan.Zero), end, false);
    }

    /// <summary>
    /// One row per peer, direction, connector and TLS version, whichever mail servers logged it (each server's
    /// messages are a separate series): counts summed, the latest sighting kept. Ranked and cut after merging, so a
    /// peer split over servers ranks by its total.
    /// </summary>
    private static List<PeerRow> Peers(MailFlowAggregator aggregate, ReportWindow window, int max)
    {
        var totals = new Dictionary<PeerKey, long>();
        foreach (var point in aggregate.Peers)
        {
            if (point.Minute >= window.From.UtcDateTime.Date && point.Minute < window.To)
            {
                totals[point.Key] = totals.GetValueOrDefault(point.Key) + point.Counts.Messages;
            }
        }

        return totals
            .GroupBy(t => (t.Key.Peer, t.Key.Direction, t.Key.Connector, t.Key.Tls))
            .Select(group =>
            {
                var latest = group.Select(t => aggregate.PeerDetails[t.Key]).MaxBy(d => d.LastSeen);
                var sources = group.Select(t => t.Key.Source).Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
                var (peer, direction, connector, tls) = group.Key;
                return new PeerRow(peer, direction, connector.Name, connector.Type, tls, sources, group.Sum(t => t.Value), latest.LastSeen, latest.Host, latest.Ip);
            })
            .OrderBy(p => p.Tls)
            .ThenByDescending(p => p.Messages)
            .ThenBy(p => p.Peer, StringComparer.Ordinal)
            .ThenBy(p => p.Direction)
            .ThenBy(p => p.Connector, StringComparer.Ordinal)
            .Take(max)
            .ToList();
    }

    private static TValue GetOrAdd<TKey, TValue>(IDictionary<TKey, TValue> map, TKey key)
        where TValue : new()
    {
        if (!map.TryGetValue(key, out var value))
        {
            value = new TValue();
            map[key] = value;
        }

        return value;
    }
}
