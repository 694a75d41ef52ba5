using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Query;

/// <summary>
/// What every question is restricted to. Only <see cref="From"/> and <see cref="To"/> are required; every other
/// member left empty means "all". Values are validated by the engine (<see cref="QueryErrorKind.InvalidArgument"/>)
/// and never pasted into InfluxQL unescaped.
/// </summary>
public sealed record QueryFilter
{
    /// <summary>
    /// The special connector name meaning "the implicit connectors": "From the internet without a connector",
    /// "To the internet without a connector" and "SMTP Auth clients" (Grafana's <c>$__internet</c>).
    /// </summary>
    public const string WithoutConnector = "$__internet";

    /// <summary>Start of the range, inclusive.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>End of the range, exclusive. Must be after <see cref="From"/>.</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Only this direction; null = all.</summary>
    public Direction? Direction { get; init; }

    /// <summary>
    /// Only these connectors (exact names, OR'ed); may contain <see cref="WithoutConnector"/>. Empty = all.
    /// At most <see cref="QueryLimits.MaxConnectors"/> names of at most <see cref="QueryLimits.MaxNameLength"/>
    /// characters, without control characters.
    /// </summary>
    public IReadOnlyList<string> Connectors { get; init; } = [];

    /// <summary>Only connectors of this type; null = all.</summary>
    public ConnectorType? ConnectorType { get; init; }

    /// <summary>Only points from this mail server (the <c>source</c> tag); null or empty = all.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// Only this TLS version in the answer (time series, connector shares, peers). It never changes a denominator:
    /// shares stay relative to all messages of the direction/connector.
    /// </summary>
    public TlsVersion? Tls { get; init; }
}

/// <summary>Limits on request values, checked before any query is built.</summary>
public static class QueryLimits
{
    /// <summary>Most connector names in one filter.</summary>
    public const int MaxConnectors = 200;

    /// <summary>Longest connector or source name accepted.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Longest range accepted (a bit more than a year; the data is kept per minute).</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    /// <summary>Most points per time series.</summary>
    public const int MaxPoints = 10_000;

    /// <summary>Most rows in the legacy peers list.</summary>
    public const int MaxPeers = 10_000;
}

/// <summary>A TLS time series request.</summary>
/// <param name="Filter">Range and filters.</param>
/// <param name="Interval">Wished bucket width; null = chosen from <paramref name="MaxPoints"/>. Rounded up as <see cref="MailFlowQueryEngine.ChooseInterval"/> says.</param>
/// <param name="MaxPoints">Most buckets per series: the interval is widened so that the range fits (1..10,000).</param>
public sealed record TlsTimeSeriesRequest(QueryFilter Filter, TimeSpan? Interval = null, int MaxPoints = 1000);

/// <summary>A connector report request.</summary>
/// <param name="Filter">Range and filters.</param>
/// <param name="PerDay">True: one row per UTC day per connector and direction (Microsoft's report); false: one row per connector and direction for the whole range.</param>
public sealed record ConnectorReportRequest(QueryFilter Filter, bool PerDay = true);

/// <summary>An insights request.</summary>
/// <param name="Filter">Range and filters.</param>
/// <param name="Thresholds">When an insight becomes active; null = <see cref="InsightThresholds.Default"/>.</param>
public sealed record InsightsRequest(QueryFilter Filter, InsightThresholds? Thresholds = null);

/// <summary>A legacy peers request.</summary>
/// <param name="Filter">Range and filters (<see cref="QueryFilter.Tls"/> narrows to one legacy version).</param>
/// <param name="Limit">Most rows, busiest peers first (1..10,000).</param>
public sealed record LegacyPeersRequest(QueryFilter Filter, int Limit = QuestionDefaults.PeerLimit);

/// <summary>A connector TLS share request (alerting).</summary>
/// <param name="Filter">Range and filters; <see cref="QueryFilter.Tls"/> = the version whose share is wanted (null = one row per version).</param>
/// <param name="MinMessages">Connectors with fewer messages in the range yield no row (a share of 2 messages means little).</param>
public sealed record ConnectorTlsShareRequest(QueryFilter Filter, long MinMessages = 1);
