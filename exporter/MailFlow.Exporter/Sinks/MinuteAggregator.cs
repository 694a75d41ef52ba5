using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Sinks;

/// <summary>The report's <see cref="MailFlowAggregator"/> with one-minute buckets, as the InfluxDB paths use it.</summary>
public sealed class MinuteAggregator(IConnectorClassifier classifier, string? sourceOverride) : IPointAggregator
{
    private readonly MailFlowAggregator _inner = new(classifier, TimeSpan.FromMinutes(1), sourceOverride: sourceOverride);

    public IEnumerable<SeriesPoint> Series => _inner.Series;

    public IEnumerable<PeerPoint> Peers => _inner.Peers;

    public IEnumerable<SecurityPoint> Security => _inner.SecuritySeries;

    public IEnumerable<BlockedPoint> Blocked => _inner.Blocked;

    public IEnumerable<SecurityPeerPoint> SecurityPeers => _inner.SecurityPeers;

    public void OnRecord(in MailRecord record) => _inner.OnRecord(record);

    public void OnProblem(in ParseProblem problem)
    {
        // Problems are counted and reported by the caller's sink; the aggregator's own log is not needed here.
    }
}
