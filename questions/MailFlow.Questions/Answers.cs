using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>The widget: messages per direction and TLS version over the range.</summary>
/// <param name="Directions">One entry per direction that has messages, in <see cref="Directions.All"/> order.</param>
public sealed record TlsSummary(IReadOnlyList<DirectionSummary> Directions)
{
    /// <summary>Flattened rows: every direction x every TLS version (<see cref="TlsVersions.All"/> order), zeros included.</summary>
    public IEnumerable<TlsSummaryRow> Rows() =>
        Directions.SelectMany(d => TlsVersions.All.Select(v => new TlsSummaryRow(d.Direction, v, d.Messages[v], d.Messages.Percent(v))));

    /// <summary>The counts of one direction (empty when it has no messages).</summary>
    public TlsCounts Of(Direction direction) => Directions.FirstOrDefault(d => d.Direction == direction)?.Messages ?? default;
}

/// <summary>One direction of the summary.</summary>
public sealed record DirectionSummary(Direction Direction, TlsCounts Messages);

/// <summary>One row of the summary table.</summary>
/// <param name="Percent">Share of the direction's messages, 0..100.</param>
public sealed record TlsSummaryRow(Direction Direction, TlsVersion Tls, long Messages, double Percent);

/// <summary>"Message protected in transit (by TLS)": one UTC day and direction with messages.</summary>
public sealed record DayDetail(DateOnly Date, Direction Direction, TlsCounts Messages);

/// <summary>The time series answer.</summary>
/// <param name="Interval">The bucket width used.</param>
/// <param name="Series">One series per (direction, TLS version) with messages in the range; buckets without messages are 0.</param>
public sealed record TlsTimeSeries(TimeSpan Interval, IReadOnlyList<TlsSeries> Series);

/// <summary>One series: a direction and a TLS version.</summary>
public sealed record TlsSeries(Direction Direction, TlsVersion Tls, IReadOnlyList<TlsPoint> Points);

/// <summary>One bucket.</summary>
/// <param name="Time">Start of the bucket (UTC; buckets are aligned on multiples of the interval since the epoch).</param>
/// <param name="Messages">Messages of this direction and version in the bucket.</param>
/// <param name="Percent">Share of the direction's messages in the bucket, 0..100 (0 when the bucket is empty).</param>
public readonly record struct TlsPoint(DateTimeOffset Time, long Messages, double Percent);

/// <summary>One row of the Connector report.</summary>
/// <param name="Date">Start of the UTC day (or of the range when not per day).</param>
/// <param name="ForcedTls">True when the connector requires TLS ("Forced TLS"; forced anywhere in the bucket counts).</param>
/// <param name="Messages">Messages per TLS version; <see cref="TlsCounts.Total"/> is the volume.</param>
public sealed record ConnectorReportRow(DateTimeOffset Date, Direction Direction, string Connector, ConnectorType ConnectorType, bool ForcedTls, TlsCounts Messages);

/// <summary>How urgent an insight is.</summary>
public enum InsightSeverity
{
    /// <summary>Legacy TLS above the threshold.</summary>
    Warning = 0,

    /// <summary>Plaintext on a connector that requires TLS.</summary>
    Critical = 1,
}

/// <summary>What an insight is about.</summary>
public enum InsightKind
{
    /// <summary>A Partner/OnPremises connector carries a significant share of TLS 1.0 (or SSLv3).</summary>
    LegacyTls = 0,

    /// <summary>Plaintext messages on a connector that forces TLS.</summary>
    PlaintextOnForcedTls = 1,
}

/// <summary>An active insight, like Microsoft's "Inbound Partner connector seeing significant TLS1.0 mail flow" (<see cref="InsightRules"/>).</summary>
/// <param name="Id">Stable identifier, e.g. <c>InboundPartnerTls10</c> or <c>InboundPlaintextOnForcedTlsConnector</c> (<see cref="InsightRules.Id"/>).</param>
/// <param name="Title">E.g. "Inbound Partner connector seeing significant TLS1.0 mail flow".</param>
/// <param name="Tls">TLS1.0 for the legacy insight (its counts include SSLv3), none for plaintext.</param>
/// <param name="SharePercent">Share of <paramref name="Tls"/> in the connector's messages, 0..100.</param>
/// <param name="Messages">Messages with <paramref name="Tls"/> (TLS 1.0 + SSLv3 for the legacy insight).</param>
/// <param name="TotalMessages">All messages of the connector and direction in the range.</param>
/// <param name="ThresholdPercent">The threshold that was reached (0 for plaintext on forced TLS, which counts messages).</param>
/// <param name="Advice">What the administrator can do about it.</param>
public sealed record Insight(
    string Id,
    string Title,
    InsightKind Kind,
    InsightSeverity Severity,
    Direction Direction,
    string Connector,
    ConnectorType ConnectorType,
    TlsVersion Tls,
    double SharePercent,
    long Messages,
    long TotalMessages,
    double ThresholdPercent,
    string Advice)
{
    /// <summary>"critical" or "warning", as the report, the frames and the docs spell it.</summary>
    public string SeverityWire => Severity == InsightSeverity.Critical ? "critical" : "warning";
}

/// <summary>A remote peer still using plaintext or legacy TLS, its mail servers merged.</summary>
/// <param name="Peer">Remote domain (or host when no domain is known).</param>
/// <param name="Messages">Summed over <paramref name="Sources"/>.</param>
/// <param name="LastSeen">Start of the UTC minute of the latest such message over <paramref name="Sources"/>; <paramref name="Host"/> and <paramref name="Ip"/> are that message's when the totals know them (the report).</param>
/// <param name="Sources">The mail servers that logged its messages ("" for unknown left out), in ordinal order.</param>
public sealed record LegacyPeer(string Peer, Direction Direction, string Connector, TlsVersion Tls, long Messages, DateTimeOffset LastSeen, IReadOnlyList<string> Sources, string? Host = null, string? Ip = null);

/// <summary>Share of one TLS version on one connector and direction over the range.</summary>
/// <param name="SharePercent">0..100.</param>
/// <param name="Messages">Messages with <paramref name="Tls"/>.</param>
/// <param name="TotalMessages">All messages of the connector and direction.</param>
public sealed record ConnectorTlsShare(string Connector, ConnectorType ConnectorType, Direction Direction, bool ForcedTls, TlsVersion Tls, double SharePercent, long Messages, long TotalMessages);

/// <summary>A connector seen in the range.</summary>
public sealed record KnownConnector(string Name, ConnectorType Type, Direction Direction, bool ForcedTls, long Messages);
