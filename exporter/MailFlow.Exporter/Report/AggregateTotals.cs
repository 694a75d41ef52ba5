using MailFlow.Exporter.Aggregation;
using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>
/// The report's totals: the in-memory aggregate (points bucketed per UTC day) over the window. The questions
/// (<see cref="MailFlowQuestions"/>) are the ones the query engine asks of InfluxDB, so the two cannot disagree.
/// </summary>
internal sealed class AggregateTotals(MailFlowAggregator aggregate, ReportWindow window) : IMailFlowTotals
{
    private static readonly long Day = TimeSpan.TicksPerDay;

    public DateTimeOffset From => window.From;

    public DateTimeOffset To => window.To;

    public Task<IReadOnlyList<DirectionTotal>> DirectionTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DirectionTotal>>(InWindow(aggregate.Series, p => p.Minute)
            .Select(p => new DirectionTotal(Label(p.Minute, bucket), p.Key.Direction, p.Key.Tls, p.Counts.Messages, p.Counts.Recipients, p.Counts.Bytes))
            .ToList());

    public Task<IReadOnlyList<ConnectorTotal>> ConnectorTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ConnectorTotal>>(InWindow(aggregate.Series, p => p.Minute)
            .Select(p => new ConnectorTotal(Label(p.Minute, bucket), p.Key.Direction, p.Key.Connector.Name, p.Key.Connector.Type, p.Key.Connector.ForcedTls, p.Key.Tls, p.Counts.Messages, p.Counts.Recipients, p.Counts.Bytes))
            .ToList());

    public Task<IReadOnlyList<PeerTotal>> PeerTotalsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PeerTotal>>(InWindow(aggregate.Peers, p => p.Minute)
            .Select(p =>
            {
                var key = p.Key;
                var detail = aggregate.PeerDetails[key];
                return new PeerTotal(key.Peer, key.Direction, key.Connector.Name, key.Tls, key.Source, p.Counts.Messages, detail.LastSeen, detail.Host, detail.Ip);
            })
            .ToList());

    public Task<IReadOnlyList<SecurityTotal>> SecurityTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SecurityTotal>>(InWindow(aggregate.SecuritySeries, p => p.Minute)
            .Select(p => new SecurityTotal(Label(p.Minute, bucket), p.Key.Direction, p.Key.Connector.Name, p.Key.Connector.Type, p.Key.Connector.ForcedTls, p.Key.Auth, p.Key.Cipher, p.Counts.Messages))
            .ToList());

    public Task<IReadOnlyList<BlockedTotal>> BlockedTotalsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BlockedTotal>>(InWindow(aggregate.Blocked, p => p.Minute)
            .Select(p =>
            {
                var detail = aggregate.Security.BlockedDetails[p.Key];
                return new BlockedTotal(p.Key.Domain, p.Key.Reason, p.Key.Connector.Name, p.Key.Source, p.Counts.Messages, detail.LastSeen, detail.Host, detail.Ip);
            })
            .ToList());

    public Task<IReadOnlyList<SecurityPeerTotal>> SecurityPeerTotalsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SecurityPeerTotal>>(InWindow(aggregate.SecurityPeers, p => p.Minute)
            .Select(p =>
            {
                var key = p.Key;
                var detail = aggregate.Security.PeerDetails[key];
                return new SecurityPeerTotal(key.Peer, key.Direction, key.Connector.Name, key.Connector.Type, key.Concern, key.Auth, key.Cipher, key.Source, p.Counts.Messages, detail.LastSeen, detail.Host, detail.Ip);
            })
            .ToList());

    /// <summary>The points of the window: the aggregate's buckets are whole days, so the window's first day counts whole.</summary>
    private IEnumerable<T> InWindow<T>(IEnumerable<T> points, Func<T, DateTimeOffset> time)
    {
        var from = new DateTimeOffset(window.From.UtcDateTime.Date, TimeSpan.Zero);
        return points.Where(p => time(p) >= from && time(p) < window.To);
    }

    private DateTimeOffset Label(DateTimeOffset day, TimeSpan? bucket)
    {
        if (bucket is not { } width)
        {
            return window.From;
        }

        // The aggregate holds whole days: a bucket of whole days is exact, anything finer is not there to give.
        if (width.Ticks % Day != 0)
        {
            throw new NotSupportedException($"the report's totals are per day; a bucket of {width} is finer");
        }

        return new DateTimeOffset(MailFlowQuestions.Floor(day.UtcTicks, width.Ticks), TimeSpan.Zero);
    }
}
