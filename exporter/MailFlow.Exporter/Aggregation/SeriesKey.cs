using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Connectors;

namespace MailFlow.Exporter.Aggregation;

/// <summary>One series of the messages measurement: the tags of a point except its time.</summary>
/// <param name="Source">The mail server that logged the messages ("" when unknown).</param>
public readonly record struct SeriesKey(Direction Direction, ConnectorInfo Connector, TlsVersion Tls, string Source);

/// <summary>One series of the peers measurement (plaintext and legacy TLS only).</summary>
/// <param name="Peer">The remote domain, or the remote host when no domain is known.</param>
public readonly record struct PeerKey(Direction Direction, ConnectorInfo Connector, TlsVersion Tls, string Source, string Peer);

/// <summary>Counts of one series over one minute; <see cref="Minute"/> is the minute's start, UTC.</summary>
public readonly record struct SeriesPoint(DateTimeOffset Minute, SeriesKey Key, Counts Counts);

/// <summary>Counts of one peer series over one minute.</summary>
public readonly record struct PeerPoint(DateTimeOffset Minute, PeerKey Key, Counts Counts);
