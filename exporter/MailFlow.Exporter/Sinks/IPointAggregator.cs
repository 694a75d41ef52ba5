using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// Turns records into per-minute points. The InfluxDB paths create one per input (ingest) or per chunk read
/// (run) and add its points into <see cref="MinuteTotals"/>; the CLI adapts the aggregator of the report.
/// </summary>
public interface IPointAggregator : IRecordSink
{
    /// <summary>Per-minute totals of the messages measurement.</summary>
    IEnumerable<SeriesPoint> Series { get; }

    /// <summary>Per-minute totals of the peers measurement.</summary>
    IEnumerable<PeerPoint> Peers { get; }

    /// <summary>Per-minute totals of the transit-security measurement.</summary>
    IEnumerable<SecurityPoint> Security => [];

    /// <summary>Per-minute deliveries blocked by a TLS policy.</summary>
    IEnumerable<BlockedPoint> Blocked => [];

    /// <summary>Per-minute messages with a transit-security concern, per peer.</summary>
    IEnumerable<SecurityPeerPoint> SecurityPeers => [];
}
