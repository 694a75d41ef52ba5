using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Backend.Query;

/// <summary>Message counts per TLS version (one slot per <see cref="TlsVersion"/>), with shares.</summary>
public readonly record struct TlsCounts
{
    public long None { get; init; }
    public long Ssl3 { get; init; }
    public long Tls10 { get; init; }
    public long Tls11 { get; init; }
    public long Tls12 { get; init; }
    public long Tls13 { get; init; }
    public long Unknown { get; init; }

    /// <summary>All messages, whatever their protection.</summary>
    public long Total => None + Ssl3 + Tls10 + Tls11 + Tls12 + Tls13 + Unknown;

    /// <summary>The count of one version.</summary>
    public long this[TlsVersion version] => version switch
    {
        TlsVersion.None => None,
        TlsVersion.Ssl3 => Ssl3,
        TlsVersion.Tls10 => Tls10,
        TlsVersion.Tls11 => Tls11,
        TlsVersion.Tls12 => Tls12,
        TlsVersion.Tls13 => Tls13,
        _ => Unknown,
    };

    /// <summary>Share of one version in percent (0..100); 0 when there are no messages.</summary>
    public double Percent(TlsVersion version)
    {
        var total = Total;
        return total == 0 ? 0 : 100.0 * this[version] / total;
    }

    /// <summary>A copy with <paramref name="count"/> added to one version.</summary>
    public TlsCounts Add(TlsVersion version, long count) => version switch
    {
        TlsVersion.None => this with { None = None + count },
        TlsVersion.Ssl3 => this with { Ssl3 = Ssl3 + count },
        TlsVersion.Tls10 => this with { Tls10 = Tls10 + count },
        TlsVersion.Tls11 => this with { Tls11 = Tls11 + count },
        TlsVersion.Tls12 => this with { Tls12 = Tls12 + count },
        TlsVersion.Tls13 => this with { Tls13 = Tls13 + count },
        _ => this with { Unknown = Unknown + count },
    };
}

/// <summary>The widget: messages per direction and TLS version over the range.</summary>
/// <param name="Directions">One entry per direction that has messages, in <see cref="Directions.All"/> order.</param>
public sealed record TlsSummary(IReadOnlyList<DirectionSummary> Directions)
{
    /// <summary>Flattened rows: every direction x every TLS version (<see cref="TlsVersions.All"/> order), zeros included.</summary>
    public IEnumerable<TlsSummaryRow> Rows() =>
        Directions.SelectMany(d => TlsVersions.All.Select(v => new TlsSummaryRow(d.Direction, v, d.Messages[v], d.Messages.Percent(v))));
}

/// <summary>One direction of the summary.</summary>
public sealed record DirectionSummary(Direction Direction, TlsCounts Messages);

/// <summary>One row of the summary table.</summary>
/// <param name="Percent">Share of the direction's messages, 0..100.</param>
public sealed record TlsSummaryRow(Direction Direction, TlsVersion Tls, long Messages, double Percent);

/// <summary>The time series answer.</summary>
/// <param name="Interval">The bucket width actually used (the request's, widened to honour MaxPoints).</param>
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
/// <param name="ForcedTls">True when the connector requires TLS ("Forced TLS").</param>
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

/// <summary>An active insight (same rules and wording as the exporter's <c>report</c>).</summary>
/// <param name="Title">E.g. "Inbound Partner connector seeing significant TLS1.0 mail flow".</param>
/// <param name="Tls">TLS1.0 for the legacy insight (its counts include SSLv3), none for plaintext.</param>
/// <param name="SharePercent">Share of <paramref name="Tls"/> in the connector's messages, 0..100.</param>
/// <param name="Messages">Messages with <paramref name="Tls"/> (TLS 1.0 + SSLv3 for the legacy insight).</param>
/// <param name="TotalMessages">All messages of the connector and direction in the range.</param>
/// <param name="ThresholdPercent">The threshold that was reached (0 for plaintext on forced TLS, which counts messages).</param>
public sealed record Insight(
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
    double ThresholdPercent)
{
    /// <summary>Stable identifier, e.g. <c>InboundPartnerTls10</c> or <c>InboundPlaintextOnForcedTlsConnector</c>.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>What the administrator can do about it.</summary>
    public string Advice { get; init; } = string.Empty;
}

/// <summary>A remote peer still using plaintext or legacy TLS.</summary>
/// <param name="Peer">Remote domain (or host when no domain is known).</param>
/// <param name="Messages">Summed over <paramref name="Sources"/>.</param>
/// <param name="LastSeen">Start of the last minute with such a message in the range.</param>
/// <param name="Sources">The mail servers that logged its messages (those written with a <c>source</c>), in ordinal order.</param>
public sealed record LegacyPeer(string Peer, Direction Direction, string Connector, TlsVersion Tls, long Messages, DateTimeOffset LastSeen, IReadOnlyList<string> Sources);

/// <summary>Share of one TLS version on one connector and direction over the range.</summary>
/// <param name="SharePercent">0..100.</param>
/// <param name="Messages">Messages with <paramref name="Tls"/>.</param>
/// <param name="TotalMessages">All messages of the connector and direction.</param>
public sealed record ConnectorTlsShare(string Connector, ConnectorType ConnectorType, Direction Direction, bool ForcedTls, TlsVersion Tls, double SharePercent, long Messages, long TotalMessages);

/// <summary>A connector seen in the range.</summary>
public sealed record KnownConnector(string Name, ConnectorType Type, Direction Direction, bool ForcedTls, long Messages);

/// <summary>Health of the engine's dependency.</summary>
/// <param name="Healthy">True when InfluxDB answers and the database exists.</param>
/// <param name="Message">What was checked, or what is wrong and how to fix it.</param>
/// <param name="InfluxVersion">The server's version when it tells it (X-Influxdb-Version).</param>
public sealed record HealthReport(bool Healthy, string Message, string? InfluxVersion);
